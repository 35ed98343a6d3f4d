#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Validates the LAVA files with LAVA's own schema code (Debian's lava-common): the test definition
ci/lava/macvlan-conformance.yaml (lava_common.schemas.test.testdef), the job ci/lava/qemu-job.yaml
(lava_common.schemas.validate, as lava-server and lava-run do) and the device description
ci/lava/devices/qemu-mvc.yaml (lava_common.schemas.device); and checks that the job's inline copy
of the test definition is the file itself, but for its params. Exit 0 when all hold, 1 when one
does not (the message names the file and the problem), 4 without lava-common (a skip).
"""
import os
import sys

try:
    import yaml
    from lava_common import schemas
    from lava_common.schemas import device
    from lava_common.schemas.test import testdef
    from voluptuous import Invalid
except ImportError as e:
    print("check.py: LAVA's schema code is not installed (ci/install-deps.sh --lava): %s" % e)
    sys.exit(4)

here = os.path.dirname(os.path.abspath(__file__))


def load(name):
    with open(os.path.join(here, name), encoding="utf-8") as f:
        return yaml.safe_load(f)


def main():
    problems = []
    checks = [
        ("macvlan-conformance.yaml", testdef.validate),
        ("qemu-job.yaml", schemas.validate),
        ("devices/qemu-mvc.yaml", device.validate),
    ]
    loaded = {}
    for name, validate in checks:
        try:
            loaded[name] = load(name)
            validate(loaded[name])
            print("ci/lava/%s: accepted by LAVA's schema" % name)
        except (OSError, yaml.YAMLError, Invalid) as e:
            problems.append("ci/lava/%s: %s" % (name, e))
    if "macvlan-conformance.yaml" in loaded and "qemu-job.yaml" in loaded:
        definition = dict(loaded["macvlan-conformance.yaml"])
        tests = [a["test"] for a in loaded["qemu-job.yaml"]["actions"] if "test" in a]
        inline = [d for t in tests for d in t["definitions"] if d.get("from") == "inline"]
        if len(inline) != 1:
            problems.append("ci/lava/qemu-job.yaml: expected one inline definition, found %d" % len(inline))
        else:
            copy = dict(inline[0]["repository"])
            if sorted(copy.get("params", {})) != sorted(definition.get("params", {})):
                problems.append("ci/lava/qemu-job.yaml: the inline definition's params are not the file's")
            copy.pop("params", None)
            definition.pop("params", None)
            if copy != definition:
                differ = sorted(k for k in set(copy) | set(definition) if copy.get(k) != definition.get(k))
                problems.append("ci/lava/qemu-job.yaml: the inline definition differs from "
                                "ci/lava/macvlan-conformance.yaml in: %s" % ", ".join(differ))
            else:
                print("ci/lava/qemu-job.yaml: its inline definition is ci/lava/macvlan-conformance.yaml")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
