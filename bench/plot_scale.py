#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Plots bench_scale's results: cost against the number of slaves, as one self-contained SVG.

    build/bench/bench_scale --benchmark_repetitions=3 --benchmark_out=scale.json
    bench/plot_scale.py scale.json docs/scale.svg [--table]

Reads Google Benchmark's JSON (--benchmark_out), takes every repetition of every benchmark, and draws
per series the median with the smallest and largest repetition as a whisker, on log-log axes (a
straight line of slope 1 is linear growth). --table also prints a Markdown table of the medians.
Only the standard library: no plotting package is needed.
"""
import json
import math
import statistics
import sys
from collections import defaultdict

PANELS = [
    ("Build and teardown (1 parent, N slaves)", "seconds", [
        ("BM_BuildTeardown", "build_s", "build, until every link is up", "#1f77b4"),
        ("BM_BuildTeardown", "teardown_kernel_s", "teardown: close the namespaces (until the kernel is done)", "#2ca02c"),
        ("BM_DeleteOneByOne", "delete_s", "teardown: RTM_DELLINK one link at a time", "#d62728"),
    ]),
    ("Matrix probe (N slaves, every pair, both families)", "seconds", [
        ("BM_ProbeMatrix", "build_s", "build", "#1f77b4"),
        ("BM_ProbeMatrix", "probe_s", "probe every cell", "#ff7f0e"),
        ("BM_ProbeMatrix", "teardown_kernel_s", "teardown (kernel)", "#2ca02c"),
    ]),
    ("Memory of the process, topology built", "MiB", [
        ("BM_BuildTeardown", "rss_built_mib", "resident, build only", "#1f77b4"),
        ("BM_ProbeMatrix", "rss_built_mib", "resident, after the probes", "#ff7f0e"),
    ]),
]


def load(path):
    """{(benchmark, slaves): {counter: [values over the repetitions]}}"""
    with open(path) as f:
        doc = json.load(f)
    series = defaultdict(lambda: defaultdict(list))
    for b in doc["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"]).split("/")
        if len(name) < 2:
            continue
        slaves = int(name[1])
        for key, value in b.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                series[(name[0], slaves)][key].append(float(value))
    return doc.get("context", {}), series


def points(series, bench, counter):
    out = []
    for (name, n), counters in sorted(series.items(), key=lambda kv: kv[0][1]):
        if name == bench and counters.get(counter):
            v = counters[counter]
            out.append((n, statistics.median(v), min(v), max(v)))
    return out


def panel_svg(x0, y0, w, h, title, unit, lines, series):
    plot = [(label, colour, points(series, bench, counter)) for bench, counter, label, colour in lines]
    values = [v for _, _, pts in plot for p in pts for v in p[1:] if v > 0]
    ns = [p[0] for _, _, pts in plot for p in pts]
    if not values:
        return f'<text x="{x0}" y="{y0 + 20}">{title}: no data</text>\n'
    left, right, top, bottom = 58, 22, 28, 34 + 16 * len(lines)
    pw, ph = w - left - right, h - top - bottom
    xlo, xhi = math.log10(min(ns)), math.log10(max(ns))
    if xhi - xlo < 1e-9:
        xhi = xlo + 1
    ylo, yhi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    if yhi == ylo:
        yhi += 1
    X = lambda n: x0 + left + (math.log10(n) - xlo) / (xhi - xlo) * pw
    Y = lambda v: y0 + top + ph - (math.log10(max(v, 10 ** ylo)) - ylo) / (yhi - ylo) * ph
    s = [f'<text x="{x0 + left}" y="{y0 + 16}" font-weight="bold">{title}</text>\n',
         f'<rect x="{x0 + left}" y="{y0 + top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>\n']
    for e in range(ylo, yhi + 1):
        y = Y(10 ** e)
        s.append(f'<line x1="{x0 + left}" y1="{y:.1f}" x2="{x0 + left + pw}" y2="{y:.1f}" stroke="#e4e4e4"/>'
                 f'<text x="{x0 + left - 4}" y="{y + 4:.1f}" text-anchor="end" class="t">{10.0 ** e:g}</text>\n')
    for n in sorted(set(ns)):
        s.append(f'<line x1="{X(n):.1f}" y1="{y0 + top}" x2="{X(n):.1f}" y2="{y0 + top + ph}" stroke="#f0f0f0"/>'
                 f'<text x="{X(n):.1f}" y="{y0 + top + ph + 14}" text-anchor="middle" class="t">{n}</text>\n')
    s.append(f'<text x="{x0 + left + pw / 2}" y="{y0 + top + ph + 28}" text-anchor="middle" class="t">slaves (N, log scale)</text>\n')
    s.append(f'<text x="{x0 + 12}" y="{y0 + top + ph / 2}" transform="rotate(-90 {x0 + 12} {y0 + top + ph / 2})" '
             f'text-anchor="middle" class="t">{unit} (log scale)</text>\n')
    for i, (label, colour, pts) in enumerate(plot):
        if pts:
            path = " ".join(f'{"M" if j == 0 else "L"}{X(n):.1f} {Y(m):.1f}' for j, (n, m, _, _) in enumerate(pts))
            s.append(f'<path d="{path}" stroke="{colour}" stroke-width="2" fill="none"/>\n')
            for n, m, lo, hi in pts:
                s.append(f'<line x1="{X(n):.1f}" y1="{Y(lo):.1f}" x2="{X(n):.1f}" y2="{Y(hi):.1f}" stroke="{colour}"/>'
                         f'<circle cx="{X(n):.1f}" cy="{Y(m):.1f}" r="3" fill="{colour}"><title>{label}, N={n}: '
                         f'median {m:.4g} {unit} ({lo:.4g} to {hi:.4g})</title></circle>\n')
        ly = y0 + top + ph + 44 + 16 * i
        s.append(f'<rect x="{x0 + left}" y="{ly - 9}" width="12" height="4" fill="{colour}"/>'
                 f'<text x="{x0 + left + 18}" y="{ly}" class="t">{label}</text>\n')
    return "".join(s)


def table(series):
    rows = ["| benchmark | N | counter | median | min | max |", "|---|---|---|---|---|---|"]
    for (name, n), counters in sorted(series.items()):
        for key in sorted(counters):
            if key.endswith(("_s", "_mib", "_per_cell", "_per_link", "_per_slave")) or key == "cells":
                v = counters[key]
                rows.append(f"| {name} | {n} | {key} | {statistics.median(v):.4g} | {min(v):.4g} | {max(v):.4g} |")
    return "\n".join(rows)


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != "--table"):
        print(__doc__, file=sys.stderr)
        return 2
    context, series = load(argv[1])
    if not series:
        print(f"plot_scale.py: {argv[1]} has no benchmark repetitions with a /N argument", file=sys.stderr)
        return 1
    w, h = 470, 430
    width = w * len(PANELS)
    body = "".join(panel_svg(i * w, 0, w, h, t, u, lines, series) for i, (t, u, lines) in enumerate(PANELS))
    note = (f'{context.get("host_name", "?")}, {context.get("num_cpus", "?")} CPUs, load average '
            f'{" / ".join(f"{l:.1f}" for l in context.get("load_avg", []))} when the run started, {context.get("date", "")}')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h + 20}" viewBox="0 0 {width} {h + 20}">\n'
           '<style>text { font: 12px sans-serif; fill: #222; } .t { font-size: 11px; fill: #444; }</style>\n'
           '<rect width="100%" height="100%" fill="#fff"/>\n'
           f'{body}<text x="8" y="{h + 14}" class="t">bench_scale: median of the repetitions, whiskers smallest to largest; {note}</text>\n</svg>\n')
    with open(argv[2], "w") as f:
        f.write(svg)
    if len(argv) == 4:
        print(table(series))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
