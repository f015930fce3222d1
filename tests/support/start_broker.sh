# Sourced by shell tests: start_broker DIR BINARY [broker args...] starts `BINARY broker` on ephemeral ports with
# its output in DIR/broker.out and DIR/broker.err, sets broker_pid, and waits (up to 30 s) for its listening
# line, setting addr to the Kafka address. Calls the sourcing script's fail() if it exits or never listens.
start_broker() {
  local dir=$1 binary=$2
  shift 2
  "$binary" broker --kafka-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 "$@" >"$dir/broker.out" 2>"$dir/broker.err" &
  broker_pid=$!
  addr=""
  for _ in $(seq 300); do
    addr=$(grep -m1 -oE 'kafka=[0-9.:]+' "$dir/broker.out" 2>/dev/null | cut -d= -f2 || true)
    [ -n "$addr" ] && return 0
    kill -0 "$broker_pid" 2>/dev/null || fail "broker exited during start-up"
    sleep 0.1
  done
  fail "broker did not print its listening line"
}
