#!/usr/bin/env bash
# Creates the Python environment for the peer benchmarks in .build-peers/venv (ignored by git):
# JAX on the CPU (required), and with --torch also PyTorch from PyPI (several GB).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.build-peers/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "jax[cpu]" numpy safetensors
if [ "${1:-}" = "--torch" ]; then
  "$venv/bin/python" -m pip install --quiet torch
fi
"$venv/bin/python" -c "import jax; print('peers: jax', jax.__version__, 'on', jax.devices())"
