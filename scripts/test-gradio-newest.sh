#!/usr/bin/env bash
# The suite against the newest Gradio that pyproject.toml's range allows (the other end of the
# range from constraints.txt's pin): a venv of its own (.venv-gradio-newest) with every other
# package as locked. Needs `scripts/setup.sh --test` first (Debian packages, npm, weights).
#   make test-gradio-newest [PYTEST_ARGS=...]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-gradio-newest
py=${PYTHON:-python3}
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
others=$(mktemp)
trap 'rm -f "$others"' EXIT
grep -v -i -E '^(gradio|gradio-client|gradio_client)==' constraints.txt > "$others"
range=$(grep -o -E '"gradio[^"]*"' pyproject.toml | head -1 | tr -d '"')
"$venv/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt pip
"$venv/bin/python" -m pip install -q --disable-pip-version-check -c "$others" -U \
  -e ".[test,cog]" "$range" gradio_client
echo "test-gradio-newest: $("$venv/bin/python" -c 'import gradio; print("gradio", gradio.__version__)')"
GRADIO_ANALYTICS_ENABLED=False PLAYGROUND_TEST_UNLOCKED=gradio \
  "$venv/bin/python" -m pytest ${PYTEST_ARGS:-}
