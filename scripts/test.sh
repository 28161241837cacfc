#!/usr/bin/env bash
# Install everything the tests need into .venv and run the whole suite.
# This is the README's test command; .ci/run runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
# Browser tests drive Debian's Chromium (Playwright's own browser download does not work here).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will be skipped (under CI=true they fail)"
  else
    echo "warning: chromium is not installed (sudo apt-get install chromium); browser tests will be skipped (under CI=true they fail)"
  fi
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
