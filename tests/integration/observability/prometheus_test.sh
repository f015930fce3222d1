#!/usr/bin/env bash
# itest_prometheus: Debian's prometheus scrapes a running broker with deploy/prometheus/ (scrape config and
# alerting rules) and deploy/grafana/streamdown.json is checked against what it scraped:
#   1. every series the dashboard and the rules name exists in Prometheus (its own query API);
#   2. the dashboard is valid JSON with panels;
#   3. StreamdownConsumerLagRecords fires for a group 12,000 records behind, on that partition with that value,
#      and no error or lag rule fires on anything else. Only the rules' `for:` durations are shortened (to 0s)
#      and the intervals set to 1 s, so the test waits seconds, not minutes.
# Everything listens on 127.0.0.1 on ephemeral ports; both servers are stopped by PID; bounded to ~60 s.
# usage: prometheus_test.sh SOURCE_DIR STREAMDOWN_BINARY
set -euo pipefail
src=$1 bin=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/sd-prometheus.XXXXXX")
broker_pid="" prom_pid=""
cleanup() {
  [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null || true
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/broker.err "$work"/prometheus.err; do [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
  exit 1
}
source "$src/tests/support/start_broker.sh"
command -v prometheus >/dev/null || fail "prometheus not found: run scripts/setup"
command -v kcat >/dev/null || fail "kcat not found: run scripts/setup"

mkdir -p "$work/data"
start_broker "$work" "$bin" --data-dir "$work/data"
http=$(grep -m1 -oE 'http=[0-9.:]+' "$work/broker.out" | cut -d= -f2)
[ -n "$http" ] || fail "no http address in the listening line"

# A group 12,000 records behind: records produced, the group's offsets set to the beginning.
seq 1 12000 | kcat -P -b "$addr" -t lagging -p 0 -X acks=all 2>"$work/kcat.err" || fail "kcat -P"
"$bin" group reset-offsets stuck -t lagging --to-earliest -b "$addr" >"$work/reset.out" 2>&1 || fail "reset-offsets: $(cat "$work/reset.out")"

# The shipped config with this broker as the target and 1 s intervals; the shipped rules with for: 0s.
prom_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s/127.0.0.1:9644/$http/" -e 's/scrape_interval: 15s/scrape_interval: 1s/' \
    -e 's/evaluation_interval: 15s/evaluation_interval: 1s/' "$src/deploy/prometheus/prometheus.yml" >"$work/prometheus.yml"
sed -E 's/^( *)for: .*/\1for: 0s/' "$src/deploy/prometheus/streamdown-rules.yml" >"$work/streamdown-rules.yml"
if command -v promtool >/dev/null; then
  promtool check config "$work/prometheus.yml" >"$work/promtool.out" 2>&1 || fail "promtool: $(cat "$work/promtool.out")"
fi
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.out" 2>"$work/prometheus.err" &
prom_pid=$!
api="http://127.0.0.1:$prom_port/api/v1"

# One error answered (Metadata of a partition that does not exist), so the error series exist too.
kcat -C -b "$addr" -t no-such-topic -p 5 -e -q >/dev/null 2>&1 || true

# The checks, in one Python process (python3 from Debian; no third-party modules).
python3 - "$api" "$src/deploy/grafana/streamdown.json" "$src/deploy/prometheus/streamdown-rules.yml" <<'PY' || fail "see above"
import json, re, sys, time, urllib.parse, urllib.request
api, dashboard, rules = sys.argv[1:4]

def get(path, **params):
    url = api + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)["data"]

def wait_for(what, check, seconds=60):
    """Calls check() every second until it returns something true; `what()` says what never happened."""
    deadline = time.time() + seconds
    while True:
        try:
            result = check()
            if result:
                return result
        except OSError:
            pass  # Prometheus still starting
        if time.time() > deadline:
            print(f"FAIL: {what()}", file=sys.stderr)
            sys.exit(1)
        time.sleep(1)

d = json.load(open(dashboard))
assert d["panels"], "the dashboard has no panels"
names = sorted(set(re.findall(r"streamdown_[a-z0-9_]+", open(dashboard).read() + open(rules).read())))
assert len(names) >= 15, f"too few series named: {names}"

# 1-2. Every series the dashboard and the rules name, as Prometheus scraped it from the broker.
left = names
def all_present():
    global left
    left = [n for n in left if not get("/series", **{"match[]": n})]
    return not left
wait_for(lambda: f"series named by deploy/ but never scraped from the broker: {left}", all_present)

# 3. The lag rule fires for the stuck group, on the right partition; nothing else fires on a healthy broker.
def lag_alert():
    for a in get("/alerts")["alerts"]:
        l = a["labels"]
        if l.get("alertname") == "StreamdownConsumerLagRecords" and a["state"] == "firing" and l.get("group") == "stuck":
            return a
alert = wait_for(lambda: f"StreamdownConsumerLagRecords never fired for group stuck: {get('/alerts')}", lag_alert)
assert alert["labels"]["topic"] == "lagging" and alert["labels"]["partition"] == "0", alert
assert float(alert["value"]) == 12000, alert
# (The disk rules are left out: they fire rightly on a machine with little free space.)
expected = {"StreamdownConsumerLagRecords", "StreamdownDiskFreeBytes", "StreamdownDiskFreeRatio"}
others = {a["labels"]["alertname"] for a in get("/alerts")["alerts"]
          if a["state"] == "firing" and a["labels"]["alertname"] not in expected}
assert not others, f"rules firing on a healthy broker: {others}"
print(f"OK: {len(names)} series present; the lag alert fires for stuck on lagging-0 at {alert['value']}")
PY
