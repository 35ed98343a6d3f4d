#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Validates a JUnit file against both schemas the project promises: Jenkins xunit and Ant.
#   validate-junit.sh SCHEMA_DIR FILE            validate FILE
#   validate-junit.sh SCHEMA_DIR --generate CMD  run "CMD OUT" first, then validate OUT
set -euo pipefail
schemas=$1; shift
if [ "$1" = "--generate" ]; then
  file=$(mktemp --suffix=.xml); trap 'rm -f "$file"' EXIT
  "$2" "$file"
else
  file=$1
fi
for xsd in "$schemas"/junit-jenkins-xunit-10.xsd "$schemas"/junit-ant-windyroad.xsd; do
  xmllint --noout --schema "$xsd" "$file"
done
