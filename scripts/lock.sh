#!/usr/bin/env bash
# Refreshes constraints.txt, the one tested set of versions `scripts/setup.sh` installs from:
# a throwaway venv gets the project with its test and cog extras, unconstrained (the newest each
# range in pyproject.toml allows), and its `pip freeze` becomes the lock. Run the tests on it before
# committing (`make test` reinstalls from the new lock).   Usage: make lock
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check -U pip
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check ".[test,cog]"
{
  echo "# The versions the tests ran on, installed by scripts/setup.sh with pip's -c."
  echo "# Made by scripts/lock.sh (make lock) with $("$py" --version); do not edit by hand."
  "$tmp/venv/bin/python" -m pip freeze --all --disable-pip-version-check \
    | grep -v -i -E '^(-e |replicate-playground|setuptools|wheel)[=@ ]?'
} > constraints.txt
echo "lock: constraints.txt has $(grep -c '==' constraints.txt) pinned packages"
