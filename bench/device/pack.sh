#!/usr/bin/env bash
# Packs what a lent GPU machine (see ../shared/GPU.md) needs to run gnomon's engine tests and
# benches, into .device-carry/ (ignored by git): the node binary, node_modules without other
# platforms' Dawn builds and without the bits only this machine uses, the built dist/, and the
# Vulkan loader packages. The machine has no Node.js and reaches no registry; the device tool
# carries at most 64 MiB per call, tree included.
#
#   bash bench/device/pack.sh        (in the repository root, after npm ci)
#   then, with the device tool: run(carry: [".device-carry"], command: "bash bench/device/run.sh all")
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.device-carry
grep -qx "/$out/" .git/info/exclude 2>/dev/null || echo "/$out/" >> .git/info/exclude
rm -rf "$out" && mkdir -p "$out"

npx tsc -p tsconfig.json
xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > "$out/node.xz"
# Only linux-x64's dawn.node travels; playwright (HTML report tests need a browser the machine
# lacks) and TypeScript (dist/ travels built) stay here.
tar -cf - --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' --exclude='node_modules/playwright-core' \
  --exclude='node_modules/typescript' node_modules dist | xz -T2 -6 > "$out/node_modules-dist.tar.xz"

# The fixtures the engine tests compare against: ../shared does not travel with the tree.
shared=${GNOMON_SHARED_DIR:-../shared}
mkdir -p "$out/shared/fixtures"
cp -r "$shared/fixtures/internlm2" "$out/shared/fixtures/"

# The Vulkan loader, as the device README says (amd64 packages whatever this machine is).
lists=$(mktemp -d)
mkdir -p "$lists/partial"
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
apt-get "${apt_opts[@]}" update -qq
(cd "$out" && apt-get "${apt_opts[@]}" download libvulkan1 >/dev/null)
rm -rf "$lists"
du -sh "$out"/*
du -sh "$out"
