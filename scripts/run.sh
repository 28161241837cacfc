#!/usr/bin/env bash
# Install embedlab's requirements into .venv (once) and start the app.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/streamlit ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
  # compile UMAP's numba code (and pynndescent's) into its disk cache now, so the app's first UMAP does not wait for it
  echo "compiling UMAP (once, about half a minute)..."
  .venv/bin/python -m embedlab.probes.projection.umap.warmup || echo "(skipped: the app compiles it in the background instead)"
  # and GloVe's and the co-occurrence counting's, so the first GloVe or PPMI-SVD job does not wait for numba either
  echo "compiling GloVe (once, about twenty seconds)..."
  .venv/bin/python -c "from embedlab.train.glove import warm_up; warm_up()" || echo "(skipped: the first GloVe or PPMI-SVD job compiles it)"
fi
exec .venv/bin/streamlit run app.py "$@"
