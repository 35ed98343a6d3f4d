# SPDX-License-Identifier: MIT
# `macvlan-conformance bench --json`'s promise, for `jq -e -f`: the baseline was measured, and every
# path was either skipped with a reason or has every metric with its median, spread (min, max) and
# ratio to the baseline (null only for the baseline itself) and a verdict. Used by .ci/run.
.baseline as $baseline
| ([.metrics[].id] | sort) as $metrics
| ($metrics | length) == 4
  and (.paths | length) == 6
  and any(.paths[]; .id == $baseline and .skipped == null and .failed == null)
  and all(.paths[];
      (.skipped | type) == "string"
      or (.failed == null
          and ([.results | keys[]] | sort) == $metrics
          and all(.results[];
                (.median | type) == "number" and (.spread.min | type) == "number" and (.spread.max | type) == "number"
                and .spread.min <= .median and .median <= .spread.max
                and (.verdict | type) == "string"
                and ((.ratio | type) == "object" and (.ratio.median | type) == "number" or .verdict == "baseline"))))
