#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Compares LAVA's results for the test definition macvlan-conformance (from lava-run's log) with
the suite's own JUnit report: the same test names, and per verdict the same counts. Exit 0 when
they agree, 1 when they do not, 2 when either file cannot be read.

    compare-results.py JOB_LOG JUNIT_XML
"""
import json
import sys
import xml.etree.ElementTree as ET

import yaml


def lava_results(log_path):
    """{case: result} for the definition whose name ends in macvlan-conformance, and the job's own."""
    # lava-run logs one YAML flow mapping per line (JSON, except that some values carry YAML's
    # non-specific tag, `"endtc": ! "176"`); other lines (Python's own messages) are skipped.
    entries = []
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    try:
                        entries.append(yaml.safe_load(line))
                    except yaml.YAMLError:
                        pass
    cases, lava = {}, {}
    for e in entries:
        if not isinstance(e, dict) or e.get("lvl") != "results":
            continue
        msg = e.get("msg", {})
        definition = str(msg.get("definition", ""))
        if definition.endswith("macvlan-conformance"):
            cases[str(msg.get("case"))] = str(msg.get("result"))
        else:
            lava[str(msg.get("case"))] = str(msg.get("result"))
    return cases, lava


def junit_results(path):
    verdicts = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name")
        if case.find("failure") is not None or case.find("error") is not None:
            verdicts[name] = "fail"
        elif case.find("skipped") is not None:
            verdicts[name] = "skip"
        else:
            verdicts[name] = "pass"
    return verdicts


def counts(verdicts):
    out = {"pass": 0, "fail": 0, "skip": 0}
    for v in verdicts.values():
        out[v] = out.get(v, 0) + 1
    return out


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        lava, job = lava_results(argv[1])
        junit = junit_results(argv[2])
    except (OSError, ET.ParseError) as e:
        print("compare-results: %s" % e, file=sys.stderr)
        return 2
    print("LAVA job results: %s" % ", ".join("%s=%s" % kv for kv in sorted(job.items())))
    print("LAVA  macvlan-conformance: %d cases %s" % (len(lava), counts(lava)))
    print("JUnit macvlan-conformance: %d tests %s" % (len(junit), counts(junit)))
    only_lava = sorted(set(lava) - set(junit))
    only_junit = sorted(set(junit) - set(lava))
    differ = sorted(n for n in set(lava) & set(junit) if lava[n] != junit[n])
    for n in only_lava[:10]:
        print("  only in LAVA: %s" % n)
    for n in only_junit[:10]:
        print("  only in JUnit: %s" % n)
    for n in differ[:10]:
        print("  %s: LAVA %s, JUnit %s" % (n, lava[n], junit[n]))
    same = not only_lava and not only_junit and not differ and junit
    print("the same tests and counts" if same else "LAVA and JUnit differ")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
