#!/usr/bin/env bash
# Installs the Debian packages ScoreKit builds against (OpenBLAS, LAPACKE, zlib, pkg-config, and
# Open MPI for runs over several processes or machines), only those that are missing. Uses sudo
# when not run as root.
#   --images   also Fashion-MNIST (dataset-fashion-mnist, 30 MB, under /usr/share/datasets)
set -euo pipefail
packages=(libopenblas-dev liblapacke-dev zlib1g-dev pkg-config libopenmpi-dev openmpi-bin)
for argument in "$@"; do
  case "$argument" in
    --images) packages+=(dataset-fashion-mnist) ;;
    *) echo "install-deps: unknown option $argument (use --images)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: ${packages[*]} already installed"
  exit 0
fi
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq "${missing[@]}"
