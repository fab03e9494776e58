#!/usr/bin/env bash
# Create .venv with Python >= 3.12 and install cisim with its test tools.
# Finds an interpreter on its own: $CISIM_PYTHON, python3.13, python3.12, python3, then pyenv's versions.
set -euo pipefail
cd "$(dirname "$0")/.."

is_recent() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

find_python() {
  local candidate
  for candidate in "${CISIM_PYTHON:-}" python3.13 python3.12 python3; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 && is_recent "$candidate"; then
      command -v "$candidate"; return 0
    fi
  done
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  command -v pyenv >/dev/null 2>&1 && root="$(pyenv root)"
  for candidate in $(ls -d "$root"/versions/3.* 2>/dev/null | sort -rV); do
    if [ -x "$candidate/bin/python" ] && is_recent "$candidate/bin/python"; then
      echo "$candidate/bin/python"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! is_recent .venv/bin/python; then
  python="$(find_python)" || { echo "setup: cisim needs Python 3.12 or newer; none found (set CISIM_PYTHON)" >&2; exit 1; }
  echo "setup: creating .venv with $python ($("$python" --version))"
  rm -rf .venv
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
# The model's compiled kernels are cached on disk once compiled; compiling them here, with a word, means the
# first run does not sit at 0 % for a minute with nothing said (a few seconds when the cache is already there).
echo "setup: compiling the model's kernels (once per install: about a minute)"
.venv/bin/python -c "import cisim; cisim.compare(replicates=2, steps=3)" >/dev/null
echo "setup: ready ($(.venv/bin/cisim --version))"
