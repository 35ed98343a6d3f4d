#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks or adds the SPDX license identifier in the project's own sources: every C++, CMake and
# shell file tracked by git must carry `SPDX-License-Identifier: MIT` in its leading comment lines
# (after a shebang), written with its language's comment syntax.
#
#   ci/spdx.sh --check   lists the files without it; exit 1 if there is any, 0 if none
#   ci/spdx.sh --add     puts it on the first line (after a shebang) of every file without it
#
# Exit 4 when there is nothing to look at (not a git checkout, or no git): the ctest test reports
# that as a skip, since a source tarball has no list of tracked files to trust.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly identifier="SPDX-License-Identifier: MIT"

mode=${1:-}
case "$mode" in
  --check|--add) ;;
  -h|--help) sed -n '3,11p' "$0"; exit 0 ;;
  *) echo "spdx.sh: expected --check or --add, got '${mode}'" >&2; exit 2 ;;
esac

command -v git >/dev/null || { echo "spdx.sh: git is not installed: cannot tell which files are tracked" >&2; exit 4; }
git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
  { echo "spdx.sh: $repo is not a git checkout: cannot tell which files are tracked" >&2; exit 4; }

# The comment leader of a file's language, or nothing for a file this script does not cover
# (JSON has no comments; Markdown, YAML and the third-party XSD schemas are not sources here).
comment_leader() {
  local path=$1 name=${1##*/}
  case "$name" in
    *.cpp|*.hpp|*.cc|*.hh|*.cxx|*.hxx|*.h|*.ipp) echo '//'; return ;;
    CMakeLists.txt|*.cmake) echo '#'; return ;;
    *.sh|*.bash) echo '#'; return ;;
  esac
  # Extensionless scripts (.ci/run, ci/kernel-run) are shell when their shebang says so.
  local first=
  IFS= read -r first <"$path" || true
  [[ "$first" =~ ^#!.*[/[:space:]](ba|da|k|z)?sh([[:space:]]|$) ]] && echo '#'
  return 0
}

# True when the identifier is among the leading comment lines: the scan skips a shebang and blank
# lines, reads comment lines, and stops at the first line of code.
has_identifier() {
  local path=$1 leader=$2
  awk -v leader="$leader" -v id="$identifier" '
    NR == 1 && /^#!/ { next }
    /^[[:space:]]*$/ { next }
    index($0, leader) == 1 {
      line = substr($0, length(leader) + 1)
      sub(/^[[:space:]]+/, "", line); sub(/[[:space:]]+$/, "", line)
      if (line == id) { found = 1; exit }
      next
    }
    { exit }
    END { exit found ? 0 : 1 }' "$path"
}

add_identifier() {
  local path=$1 leader=$2 header first=
  header="$leader $identifier"
  IFS= read -r first <"$path" || true
  if [ ! -s "$path" ]; then
    printf '%s\n' "$header" >"$path"
  elif [[ "$first" == '#!'* ]]; then
    sed -i "1a\\$header" "$path"  # GNU sed -i keeps the file's mode (scripts stay executable)
  else
    sed -i "1i\\$header" "$path"
  fi
}

missing=0 covered=0
while IFS= read -r -d '' file; do
  path="$repo/$file"
  [ -f "$path" ] && [ ! -L "$path" ] || continue  # deleted in the work tree, or a symlink
  leader=$(comment_leader "$path")
  [ -n "$leader" ] || continue
  covered=$((covered + 1))
  has_identifier "$path" "$leader" && continue
  missing=$((missing + 1))
  if [ "$mode" = --add ]; then
    add_identifier "$path" "$leader"
    echo "added: $file"
  else
    echo "$file"
  fi
done < <(git -C "$repo" ls-files -z)

if [ "$mode" = --check ]; then
  if [ "$missing" -gt 0 ]; then
    echo "spdx.sh: $missing of $covered C++/CMake/shell files lack '$identifier' in their leading comment lines (ci/spdx.sh --add adds it)" >&2
    exit 1
  fi
  echo "spdx.sh: all $covered C++/CMake/shell files carry '$identifier'"
else
  echo "spdx.sh: added '$identifier' to $missing of $covered C++/CMake/shell files"
fi
