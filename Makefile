# The two commands a newcomer runs: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DATA_DIR ?= ./data
KAFKA_ADDR ?= 127.0.0.1:9092
HTTP_ADDR ?= 127.0.0.1:9644
PREFIX ?= /usr/local

.PHONY: setup build build-broker build-asan run test bench bench-scale bench-produce install deb format clean

setup:
	@./scripts/setup

build: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

build-asan: setup
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

# Only the binary: a first `make run` compiles what it runs, not the tests and benchmarks.
build-broker: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target streamdown

run: build-broker
	@mkdir -p $(DATA_DIR)
	@./scripts/print-usage $(KAFKA_ADDR) $(HTTP_ADDR)
	@exec ./build/release/streamdown broker --data-dir $(DATA_DIR) --kafka-addr $(KAFKA_ADDR) --http-addr $(HTTP_ADDR)

# Release build: every test (unit, fault, integration). Then the unit tests again under ASan+UBSan.
test: build build-asan
	@ctest --preset release -j $(JOBS)
	@ctest --preset asan -j $(JOBS)

bench: build
	@./bench/run-all

# How costs grow with data size, partitions and connections: at most 20 minutes and about 20 GB of disk
# (bench/scale/run; figures into build/bench-scale/results.json, plots into docs/scale/).
bench-scale: build
	@./bench/scale/run

# The produce goals of issue 20, each a ratio within one run: acks=1 vs librdkafka's mock cluster (pinned and
# unpinned), acks=all latency vs the disk's group-commit floor, with references beside them (per-byte ingest
# CPU, disk bandwidth, the client against the mock; bench/produce-goals/run; about 13 minutes).
bench-produce: build
	@./bench/produce-goals/run

# The binary, a sample config and the systemd unit under $(PREFIX) (docs/OPERATIONS.md).
install: build-broker
	@cmake --install build/release --prefix $(PREFIX) --strip

# A Debian package: build/streamdown_<version>_<arch>.deb (docs/OPERATIONS.md).
deb: build-broker
	@./scripts/package-deb build/release

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	@rm -rf build
