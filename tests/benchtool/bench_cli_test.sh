#!/usr/bin/env bash
# itest_bench_cli: runs `streamdown bench` for ~2 s per workload against a real `streamdown broker` (ephemeral
# port, private data dir) and checks the JSON it prints: the contract fields exist, count > 0, bytes match,
# p50 <= p99 <= max, broker CPU is reported for --broker-pid, consume reads back what was produced. Also
# checks that bad options exit with status 2 and name the option. No timing is asserted.
set -euo pipefail
sd="$1"
dir="$(mktemp -d)"
broker_pid=""
cleanup() {
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid"
    for _ in $(seq 100); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$broker_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$dir/broker.err" ] && tail -20 "$dir/broker.err" >&2; exit 1; }

# Bad options: exit 2 with the option named, before any connection is tried.
expect_refused() {
  local needle=$1; shift
  set +e
  out=$("$sd" bench "$@" 2>&1); rc=$?
  set -e
  [ "$rc" = 2 ] || fail "bench $* exited $rc, expected 2: $out"
  grep -q -- "$needle" <<<"$out" || fail "bench $* did not name $needle: $out"
}
expect_refused --rate latency --brokers 127.0.0.1:1
expect_refused --acks produce --acks 2 --brokers 127.0.0.1:1
expect_refused --idempotence produce --idempotence --acks 1 --brokers 127.0.0.1:1
expect_refused --compression produce --compression brotli --brokers 127.0.0.1:1
expect_refused --set produce --set novalue --brokers 127.0.0.1:1

mkdir -p "$dir/data"
source "$(dirname "${BASH_SOURCE[0]}")/../support/start_broker.sh"
start_broker "$dir" "$sd" --data-dir "$dir/data"

check() {  # check JSON_FILE PYTHON_ASSERTIONS...
  python3 - "$@" <<'PY' || fail "JSON check failed for $1"
import json, sys
j = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
for field in ("workload", "count", "bytes", "errors", "elapsed_s", "msg_per_s", "mb_per_s", "latency_us",
              "client_cpu_s", "client_cpu_s_per_gb", "broker_cpu_s", "broker_cpu_s_per_gb"):
    assert field in j, f"missing {field}: {j}"
for lat in ("p50", "p99", "p999", "max", "mean", "samples", "from"):
    assert lat in j["latency_us"], f"missing latency_us.{lat}"
for expr in sys.argv[2:]:
    assert eval(expr, {}, {"j": j, "L": j["latency_us"]}), f"{expr} is false for {j}"
PY
}

"$sd" bench produce --brokers "$addr" --topic t1 --partitions 2 --acks all --duration 2 --size 512 \
  --broker-pid "$broker_pid" --progress 0.5 --json >"$dir/produce.json" 2>"$dir/produce.err" ||
  fail "bench produce: $(cat "$dir/produce.err")"
grep -q '\[produce' "$dir/produce.err" || fail "no progress line on stderr"
check "$dir/produce.json" 'j["workload"] == "produce"' 'j["count"] > 0' 'j["errors"] == 0' \
  'j["bytes"] == 512 * j["count"]' 'L["from"] == "send"' 'L["samples"] == j["count"]' \
  '0 < L["p50"] <= L["p99"] <= L["max"]' 'L["p99"] <= L["p999"] <= L["max"]' 'j["elapsed_s"] > 0' \
  'j["msg_per_s"] > 0' 'j["broker_cpu_s"] is not None and j["broker_cpu_s"] >= 0' 'j["partitions"] == 2'
produced=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["count"])' "$dir/produce.json")

"$sd" bench latency --brokers "$addr" --topic t2 --acks 1 --linger-ms 0 --rate 500 --duration 2 --json \
  --progress 0 >"$dir/latency.json" 2>"$dir/latency.err" || fail "bench latency: $(cat "$dir/latency.err")"
check "$dir/latency.json" 'j["workload"] == "latency"' 'j["count"] > 0' 'j["count"] <= 1000' \
  'L["from"] == "intended"' '0 < L["p50"] <= L["p99"] <= L["max"]' 'j["broker_cpu_s"] is None'

"$sd" bench consume --brokers "$addr" --topic t1 --duration 60 --json --progress 0 \
  --broker-pid "$broker_pid" >"$dir/consume.json" 2>"$dir/consume.err" || fail "bench consume: $(cat "$dir/consume.err")"
check "$dir/consume.json" 'j["workload"] == "consume"' "j['count'] == $produced" 'j["bytes"] == 512 * j["count"]' \
  'L["from"] == "none"' 'j["errors"] == 0'

# --count bounds a run.
"$sd" bench produce --brokers "$addr" --topic t3 --count 100 --duration 30 --json --progress 0 >"$dir/count.json" ||
  fail "bench produce --count"
check "$dir/count.json" 'j["count"] == 100'
echo "itest_bench_cli: ok"
