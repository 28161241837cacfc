#!/usr/bin/env bash
# Install embedlab's requirements into .venv (once) and start the app.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/streamlit ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
fi
exec .venv/bin/streamlit run app.py "$@"
