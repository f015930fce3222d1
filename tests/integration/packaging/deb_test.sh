#!/usr/bin/env bash
# itest_packaging: the .deb a user installs. Builds it with scripts/package-deb from this build tree, then
# checks what docs/OPERATIONS.md promises: the binary, unit, config (a conffile) and docs at their paths,
# Depends naming the libraries the binary links, maintainer scripts that parse, a unit whose ExecStart and
# config exist in the package; and that the packaged binary runs with the packaged config (addresses and
# data directory overridden to stay in a scratch directory): it serves a produce and a consume by kcat and
# stops cleanly on SIGTERM. Nothing is installed on this machine (dpkg -x into a scratch root).
set -euo pipefail
src="$1"
build="$2"
dir="$(mktemp -d)"
broker_pid=""
cleanup() {
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -KILL "$broker_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$dir/broker.err" ] && tail -20 "$dir/broker.err" >&2; exit 1; }

deb="$("$src/scripts/package-deb" "$build" "$dir")"
[ -f "$deb" ] || fail "package-deb printed '$deb', which is not a file"
case "$(basename "$deb")" in
  streamdown_*_"$(dpkg --print-architecture)".deb) ;;
  *) fail "unexpected package name $(basename "$deb")" ;;
esac

# Control fields.
[ "$(dpkg-deb -f "$deb" Package)" = streamdown ] || fail "Package field"
depends="$(dpkg-deb -f "$deb" Depends)"
for needed in adduser librdkafka++1 libssl3 libzstd1; do
  grep -q "\b$needed\b" <<<"$depends" || fail "Depends lacks $needed: $depends"
done
grep -q "(>= " <<<"$depends" || fail "Depends carries no versions: $depends"

# Files where docs/OPERATIONS.md says they are.
dpkg-deb -x "$deb" "$dir/root"
dpkg-deb -e "$deb" "$dir/control"
for f in usr/bin/streamdown etc/streamdown/streamdown.toml usr/lib/systemd/system/streamdown.service \
         usr/share/doc/streamdown/OPERATIONS.md usr/share/doc/streamdown/README.md \
         usr/share/streamdown/monitoring/prometheus.yml usr/share/streamdown/monitoring/streamdown-rules.yml \
         usr/share/streamdown/monitoring/streamdown.json; do
  [ -e "$dir/root/$f" ] || fail "package lacks /$f"
done
[ -x "$dir/root/usr/bin/streamdown" ] || fail "/usr/bin/streamdown is not executable"
grep -qx /etc/streamdown/streamdown.toml "$dir/control/conffiles" || fail "the config is not a conffile"
for s in postinst prerm postrm; do
  [ -x "$dir/control/$s" ] || fail "$s missing or not executable"
  sh -n "$dir/control/$s" || fail "$s does not parse"
done
grep -q "adduser --system" "$dir/control/postinst" || fail "postinst creates no service user"
! grep -q "rm -rf /var/lib/streamdown" "$dir/control/postrm" || fail "postrm deletes the data"

# The unit: runs the packaged binary with the packaged config as its own user, restarts, raises the fd limit.
unit="$dir/root/usr/lib/systemd/system/streamdown.service"
exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
binary="$(awk '{print $1}' <<<"$exec_start")"
config="$(sed -n 's/.*--config \([^ ]*\).*/\1/p' <<<"$exec_start")"
[ -x "$dir/root$binary" ] || fail "ExecStart names $binary, not in the package"
[ -f "$dir/root$config" ] || fail "ExecStart's config $config is not in the package"
for line in "User=streamdown" "Restart=on-failure" "StateDirectory=streamdown" "ReadWritePaths=/var/lib/streamdown"; do
  grep -qx "$line" "$unit" || fail "unit lacks $line"
done
grep -q "^LimitNOFILE=" "$unit" || fail "unit sets no LimitNOFILE"
grep -q '^"log.dirs" = "/var/lib/streamdown"' "$dir/root$config" || fail "the config's data directory is not the unit's"

# The packaged binary runs with the packaged config.
"$dir/root/usr/bin/streamdown" --version | grep -q "^streamdown " || fail "--version"
mkdir -p "$dir/data"
source "$src/tests/support/start_broker.sh"
start_broker "$dir" "$dir/root/usr/bin/streamdown" --config "$dir/root$config" --data-dir "$dir/data"
printf 'one\ntwo\nthree\n' | kcat -P -b "$addr" -t packaged -X acks=all || fail "kcat produce"
got="$(kcat -C -b "$addr" -t packaged -o beginning -e -q)"
[ "$got" = "$(printf 'one\ntwo\nthree')" ] || fail "consumed '$got'"
kill -TERM "$broker_pid"
set +e
wait "$broker_pid"
rc=$?
set -e
broker_pid=""
[ "$rc" = 0 ] || fail "the packaged broker exited $rc on SIGTERM"
[ -f "$dir/data/.clean_shutdown" ] || fail "no clean-shutdown marker after SIGTERM"
echo "itest_packaging: $(basename "$deb") ok"
