#!/usr/bin/env bash
# Adds what the GPU machine needs to rebuild the addon with its own nvcc (no Node headers or
# node-addon-api there): Node's headers and node-addon-api, as .device/headers.tar.
# Run from the repository root after ../shared/device/pack.sh.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
node_inc="$(dirname "$(dirname "$(command -v node)")")/include/node"
addon_api=$(node -p "require('path').dirname(require.resolve('node-addon-api/package.json', {paths: ['packages/backend-cuda']}))")
staging=$(mktemp -d)
mkdir -p "$staging/headers"
cp -r "$node_inc" "$staging/headers/node"
cp -r "$addon_api" "$staging/headers/node-addon-api"
tar -C "$staging" -cf .device/headers.tar headers
rm -rf "$staging"
du -sh .device/headers.tar
