#!/usr/bin/env python3
"""Medians of bench/run-all's measurements, the side-by-side table, the targets, and the docs section.

usage: report.py RESULTS.jsonl DOCS.md|- --commit C --cores N --pinning TEXT --consume-mib M --runs R --quick Q
Prints the markdown section; with a DOCS path, replaces its "## Broker, side by side" section (to the next
"## " heading) or appends one, keeping every other section."""
import argparse
import datetime
import json
import os
import statistics
import sys

SECTION = "## Broker, side by side"


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def med(rows, case, system, *path):
    vals = []
    for r in rows:
        if r.get("case") != case or r.get("system") != system:
            continue
        v = r
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
        if isinstance(v, (int, float)):
            vals.append(float(v))
    return (statistics.median(vals), len(vals)) if vals else (None, 0)


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def value(r, path):
    v = r
    for p in path:
        v = v.get(p) if isinstance(v, dict) else None
    return float(v) if isinstance(v, (int, float)) else None


def round_ratio(rows, num, den):
    """Median over rounds of (num / den) measured in the same round; num and den are (case, system, field...).
    Pairing within a round cancels most of the background load that other work puts on the machine."""
    by_run = {}
    for r in rows:
        for side, spec in (("n", num), ("d", den)):
            if r.get("case") == spec[0] and r.get("system") == spec[1]:
                v = value(r, spec[2:])
                if v is not None:
                    by_run.setdefault(r.get("run"), {})[side] = v
    ratios = [x["n"] / x["d"] for x in by_run.values() if "n" in x and "d" in x and x["d"] != 0]
    return statistics.median(ratios) if ratios else None


def build(rows, a):
    m = lambda *k: med(rows, *k)[0]
    n = lambda c, s: med(rows, c, s, "run")[1]
    lines = []
    date = a.date
    lines.append(SECTION)
    lines.append("")
    lines.append(f"`make bench` (bench/run-all) on {date}, commit `{a.commit}`, {a.cores} cores; medians over "
                 f"{a.runs} rounds in which the systems alternate; pinning: {a.pinning}. 1 KiB values, "
                 f"librdkafka 2 clients (`streamdown bench`). CPU s/GB = CPU seconds per 1e9 value bytes."
                 + (" QUICK mode: short loads, figures only indicative." if a.quick == "1" else ""))
    lines.append(f"Load average at the start (1, 5, 15 min): {a.load}. The 2 cores may be shared with other jobs: "
                 "absolute figures are noisy; ratios within one round are the comparison.")
    lines.append("")
    lines.append("| case | system | n | msg/s | MB/s | p50 us | p99 us | p99.9 us | max us | server CPU s/GB | client CPU s/GB |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    cases = [("acks1", "streamdown", "produce acks=1 linger 5 ms, 1 partition"),
             ("acks1", "mock", "produce acks=1 linger 5 ms, 1 partition"),
             ("acksall", "streamdown", "produce acks=all linger 5 ms, 4 partitions"),
             ("acksall", "mock", "produce acks=all linger 5 ms, 4 partitions"),
             ("acksall", "redis", "XADD appendfsync always, 32 conns x 16 pipelined"),
             ("acksall", "nats", "JetStream file store, async publish (4096 pending)"),
             ("idem", "streamdown", "produce acks=all idempotent linger 5 ms, 4 partitions"),
             ("txn", "streamdown", "transactions of 100 records, acks=all, linger 0, 4 partitions"),
             ("txn", "mock", "transactions of 100 records, acks=all, linger 0, 4 partitions"),
             ("consume", "streamdown", f"consume {a.consume_mib} MiB log from page cache, 4 partitions"),
             ("latency", "streamdown", "open loop 10k msg/s acks=all linger 0, from intended time (librdkafka defaults; 20 s)"),
             ("latency5", "streamdown", "same, client max.in.flight 5 (librdkafka default: 1e6)"),
             ("latency5nd", "streamdown", "same, max.in.flight 5 and client TCP_NODELAY (socket.nagle.disable)"),
             ("latency1", "streamdown", "open loop 10k msg/s acks=1 linger 0, from intended time")]
    for case, sysname, label in cases:
        if n(case, sysname) == 0:
            lines.append(f"| {label} | {sysname} | 0 | n/a | | | | | | | |")
            continue
        lat = lambda q: m(case, sysname, "latency_us", q)
        lines.append(f"| {label} | {sysname} | {n(case, sysname)} | {fmt(m(case, sysname, 'msg_per_s'))} | "
                     f"{fmt(m(case, sysname, 'mb_per_s'), 1)} | {fmt(lat('p50'))} | {fmt(lat('p99'))} | "
                     f"{fmt(lat('p999'))} | {fmt(lat('max'))} | {fmt(m(case, sysname, 'broker_cpu_s_per_gb'), 2)} | "
                     f"{fmt(m(case, sysname, 'client_cpu_s_per_gb'), 2)} |")
    lines.append(f"| loopback TCP (iperf3, 1 stream) | machine | {n('loopback', 'iperf3')} | | "
                 f"{fmt(m('loopback', 'iperf3', 'mb_per_s'), 1)} | | | | | | |")
    dl = lambda q: fmt(m('fsync4k', 'disk', 'latency_us', q))
    lines.append(f"| write 4 KiB + fdatasync (latency: one write + sync) | disk | {n('fsync4k', 'disk')} | "
                 f"{fmt(m('fsync4k', 'disk', 'ops_per_s'))} syncs/s | {fmt(m('fsync4k', 'disk', 'mb_per_s'), 1)} | "
                 f"{dl('p50')} | {dl('p99')} | {dl('p999')} | {dl('max')} | | |")
    lines.append(f"| write 64 KiB + fdatasync | disk | {n('fsync64k', 'disk')} | {fmt(m('fsync64k', 'disk', 'ops_per_s'))} syncs/s | "
                 f"{fmt(m('fsync64k', 'disk', 'mb_per_s'), 1)} | | | | | | |")
    lines.append(f"| write 1 MiB + fdatasync | disk | {n('fsync1m', 'disk')} | {fmt(m('fsync1m', 'disk', 'ops_per_s'))} syncs/s | "
                 f"{fmt(m('fsync1m', 'disk', 'mb_per_s'), 1)} | | | | | | |")
    lines.append(f"| start-up, empty data dir, to first ApiVersions answer | streamdown | {n('startup', 'streamdown')} | "
                 f"{fmt(m('startup', 'streamdown', 'startup_ms'), 1)} ms | | | | | | | |")
    lines.append("")

    # Targets, each with its measured ratio or value.
    targets = []
    def target(name, value, limit, ge, unit=""):
        met = None if value is None else (value >= limit if ge else value <= limit)
        shown = "n/a" if value is None else (f"{value:.2f}x" if unit == "x" else
                                             f"{value:,.0f}{unit}" if unit == " us" else f"{value:.2f}{unit}")
        targets.append(f"| {name} | {shown} | {'>=' if ge else '<='} {limit}{'' if unit == 'x' else unit} | "
                       f"{'n/a' if met is None else ('met' if met else '**missed**')} |")
    target("produce acks=1: streamdown / mock msg/s", round_ratio(rows, ("acks1", "streamdown", "msg_per_s"), ("acks1", "mock", "msg_per_s")), 0.7, True, "x")
    target("produce acks=all 4 partitions: streamdown / redis msg/s", round_ratio(rows, ("acksall", "streamdown", "msg_per_s"), ("acksall", "redis", "msg_per_s")), 1.0, True, "x")
    target("produce acks=all: streamdown MB/s / disk fdatasync'd 64 KiB MB/s", round_ratio(rows, ("acksall", "streamdown", "mb_per_s"), ("fsync64k", "disk", "mb_per_s")), 0.5, True, "x")
    target("transactions of 100 records: streamdown txn / idempotent acks=all msg/s", round_ratio(rows, ("txn", "streamdown", "msg_per_s"), ("idem", "streamdown", "msg_per_s")), 0.7, True, "x")
    target("(reference) transactions of 100 records: streamdown / mock msg/s", round_ratio(rows, ("txn", "streamdown", "msg_per_s"), ("txn", "mock", "msg_per_s")), 1.0, True, "x")
    target(f"consume ({a.consume_mib} MiB log): streamdown MB/s / loopback TCP MB/s", round_ratio(rows, ("consume", "streamdown", "mb_per_s"), ("loopback", "iperf3", "mb_per_s")), 0.45, True, "x")
    # The latency target is judged on the 60 s runs with the client's pipeline capped at 5 requests (the
    # Java client's default) and librdkafka's socket defaults; the other rows are context: the client's
    # TCP_NODELAY, and librdkafka's defaults (20 s, max.in.flight 1e6: one request per message at linger 0).
    target("latency 10k msg/s acks=all, 60 s, client max.in.flight 5: p99", m("latency5", "streamdown", "latency_us", "p99"), 2000, False, " us")
    target("latency 10k msg/s acks=all, 60 s, client max.in.flight 5: p99.9", m("latency5", "streamdown", "latency_us", "p999"), 10000, False, " us")
    target("(context) same with client TCP_NODELAY: p99", m("latency5nd", "streamdown", "latency_us", "p99"), 2000, False, " us")
    target("(context) same with client TCP_NODELAY: p99.9", m("latency5nd", "streamdown", "latency_us", "p999"), 10000, False, " us")
    target("(context) librdkafka defaults, 20 s: p99", m("latency", "streamdown", "latency_us", "p99"), 2000, False, " us")
    target("(context) librdkafka defaults, 20 s: p99.9", m("latency", "streamdown", "latency_us", "p999"), 10000, False, " us")
    target("(reference) disk: one 4 KiB write + fdatasync, p99", m("fsync4k", "disk", "latency_us", "p99"), 2000, False, " us")
    target("(reference) disk: one 4 KiB write + fdatasync, p99.9", m("fsync4k", "disk", "latency_us", "p999"), 10000, False, " us")
    target("broker CPU at acks=1 full rate", m("acks1", "streamdown", "broker_cpu_s_per_gb"), 0.5, False, " s/GB")
    target("start-up, empty data dir, ApiVersions answered", m("startup", "streamdown", "startup_ms"), 100, False, " ms")
    lines.append("Ratios are medians over rounds of the ratio measured within each round (not ratios of the medians above).")
    lines.append("")
    lines.append("| target | measured | goal | |")
    lines.append("|---|---|---|---|")
    lines.extend(targets)
    lines.append("")
    return "\n".join(lines) + "\n"


def update_docs(path, section):
    try:
        text = open(path).read()
    except FileNotFoundError:
        text = "# Benchmarks\n"
    start = text.find(SECTION)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        nxt = text.find("\n## ", start + len(SECTION))
        notes_keep = ""
        text = text[:start] + section + notes_keep + (text[nxt + 1:] if nxt >= 0 else "")
    with open(path, "w") as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results")
    p.add_argument("docs")
    p.add_argument("--commit", default="unknown")
    p.add_argument("--cores", default="?")
    p.add_argument("--pinning", default="none")
    p.add_argument("--consume-mib", default="?")
    p.add_argument("--runs", default="?")
    p.add_argument("--quick", default="0")
    p.add_argument("--load", default="unknown")
    a = p.parse_args()
    a.date = datetime.datetime.utcfromtimestamp(os.path.getmtime(a.results)).strftime("%Y-%m-%d %H:%M UTC")
    section = build(load(a.results), a)
    print(section)
    if a.docs != "-":
        update_docs(a.docs, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
