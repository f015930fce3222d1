# The two commands a newcomer runs: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DATA_DIR ?= ./data
KAFKA_ADDR ?= 127.0.0.1:9092
HTTP_ADDR ?= 127.0.0.1:9644

.PHONY: setup build build-asan run test bench format clean

setup:
	@./scripts/setup

build: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

build-asan: setup
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

run: build
	@mkdir -p $(DATA_DIR)
	@./scripts/print-usage $(KAFKA_ADDR) $(HTTP_ADDR)
	@exec ./build/release/streamdown broker --data-dir $(DATA_DIR) --kafka-addr $(KAFKA_ADDR) --http-addr $(HTTP_ADDR)

# Release build: every test (unit, fault, integration). Then the unit tests again under ASan+UBSan.
test: build build-asan
	@ctest --preset release -j $(JOBS)
	@ctest --preset asan -j $(JOBS)

bench: build
	@./bench/run-all

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	@rm -rf build
