#!/usr/bin/env bash
# Installs the Debian packages ScoreKit builds against (OpenBLAS, LAPACKE, pkg-config),
# only those that are missing. Uses sudo when not run as root.
set -euo pipefail
packages=(libopenblas-dev liblapacke-dev zlib1g-dev pkg-config)
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
