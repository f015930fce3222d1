#!/usr/bin/env python3
"""Medians and spreads of bench/tls-compare's rounds; prints a markdown table and, with a DOCS path, replaces the
"### TLS vs plaintext (pinned|unpinned)" subsection of its "## TLS" section (appending either when missing).

usage: tls_report.py RESULTS.jsonl DOCS.md|- --commit C --pinned 0|1 --runs R --load L --consume-mib M"""
import argparse
import datetime
import json
import statistics

SECTION = "## TLS"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("docs")
    ap.add_argument("--commit", default="?")
    ap.add_argument("--pinned", default="0")
    ap.add_argument("--runs", default="3")
    ap.add_argument("--load", default="?")
    ap.add_argument("--consume-mib", default="?")
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.results) if l.strip()]

    def by(case, tr, key):
        return {r["run"]: r.get(key) for r in rows if r["case"] == case and r["transport"] == tr and r.get(key) is not None}

    lines = []
    pinned = a.pinned == "1"
    title = f"### TLS vs plaintext ({'pinned: broker core 1, client core 0' if pinned else 'unpinned, as a user runs it'})"
    lines.append(title)
    lines.append("")
    lines.append(f"`{'BENCH_PIN=1 ' if pinned else ''}bench/tls-compare` (also run by `make bench`) at {a.commit}, "
                 f"{datetime.date.today()}, load average at the end {a.load}, {a.runs} alternating rounds; "
                 f"consume reads a {a.consume_mib} MiB log from the page cache. Ratio = TLS / plaintext of the same "
                 "round; median [min-max] over rounds.")
    lines.append("")
    lines.append("| case | plaintext | TLS | TLS / plaintext | broker CPU s/GB plaintext | TLS | goal |")
    lines.append("|---|---|---|---|---|---|---|")
    for case, key, unit, goal in (("produce", "msg_per_s", "msg/s", 0.8), ("consume", "mb_per_s", "MB/s", 0.6)):
        p, t = by(case, "plain", key), by(case, "tls", key)
        pc, tc = by(case, "plain", "broker_cpu_s_per_gb"), by(case, "tls", "broker_cpu_s_per_gb")
        ratios = [t[r] / p[r] for r in p if r in t and p[r]]
        if not ratios:
            lines.append(f"| {case} | n/a | n/a | n/a | | | >= {goal} |")
            continue
        med = statistics.median
        fmt = (lambda v: f"{v / 1e3:.0f}k") if unit == "msg/s" else (lambda v: f"{v:.0f}")
        r = med(ratios)
        verdict = "met" if r >= goal else "missed"
        lines.append(f"| {case} ({unit}) | {fmt(med(p.values()))} | {fmt(med(t.values()))} | "
                     f"**{r:.2f}x** [{min(ratios):.2f}-{max(ratios):.2f}] | "
                     f"{med(pc.values()):.2f} | {med(tc.values()):.2f} | >= {goal}x: {verdict} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.docs == "-":
        return
    doc = open(a.docs).read()
    if SECTION + "\n" not in doc:
        doc = doc.rstrip("\n") + "\n\n" + SECTION + "\n\n"
    start = doc.index(SECTION + "\n")
    end = doc.find("\n## ", start + len(SECTION))
    body = doc[start:end if end >= 0 else len(doc)]
    sub_start = body.find(title.split(" (")[0] + (" (pinned" if pinned else " (unpinned"))
    if sub_start >= 0:
        sub_end = body.find("\n### ", sub_start + 1)
        body = body[:sub_start] + text + ("\n" + body[sub_end + 1:] if sub_end >= 0 else "")
    else:
        body = body.rstrip("\n") + "\n\n" + text
    doc = doc[:start] + body.rstrip("\n") + "\n" + (doc[end:] if end >= 0 else "")
    open(a.docs, "w").write(doc)


if __name__ == "__main__":
    main()
