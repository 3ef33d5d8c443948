#!/usr/bin/env bash
# Packs what a lent GPU machine (see ../shared/GPU.md) needs to run gnomon's engine tests and
# benches, into .device-carry/ (ignored by git): the node binary, node_modules without other
# platforms' Dawn builds and without the bits only this machine uses, the built dist/, and the
# Vulkan loader packages. The machine has no Node.js and reaches no registry; the device tool
# carries at most 64 MiB per call, tree included (the tracked files: 6.3 MB).
#
# Two packs, since everything does not fit one call (sizes measured 2026-12-06; 64 MiB = 67.1 MB):
#   engine  (default) the engine tests and benches (run.sh tests, bench): 47.2 MB, 53.5 MB with the tree;
#   peers   the benches and the peer bench against llama.cpp (run.sh bench, peers): node-llama-cpp's
#           CPU and Vulkan builds (18.1 MB) take the place of the test tooling (9 MB) and the
#           fixtures: 56.0 MB, 62.3 MB with the tree.
# run.sh all runs the steps whose pieces the carried pack holds and names the others.
#
#   bash bench/device/pack.sh [engine|peers]        (in the repository root, after npm ci)
#   then, with the device tool: run(carry: [".device-carry"], command: "bash bench/device/run.sh all")
set -euo pipefail
cd "$(dirname "$0")/../.."
what=${1:-engine}
case "$what" in engine | peers) ;; *) echo "usage: bash bench/device/pack.sh [engine|peers]" >&2; exit 2 ;; esac
out=.device-carry
# (git rev-parse finds the exclude file in a worktree too, where .git is a file.)
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx "/$out/" "$exclude" 2>/dev/null || echo "/$out/" >> "$exclude"
rm -rf "$out" && mkdir -p "$out"

npx tsc -p tsconfig.json
xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > "$out/node.xz"
# Only linux-x64's dawn.node travels; playwright (HTML report tests need a browser the machine
# lacks) and TypeScript (dist/ travels built) stay here. The peers pack leaves the test runner and
# its bundler's native parts here too (21.3 MB of xz with them, 12.3 MB without).
test_tooling=()
if [ "$what" = peers ]; then
  test_tooling=(--exclude='node_modules/vitest' --exclude='node_modules/@vitest' --exclude='node_modules/vite'
    --exclude='node_modules/@rolldown' --exclude='node_modules/rolldown' --exclude='node_modules/lightningcss*'
    --exclude='node_modules/esbuild' --exclude='node_modules/@esbuild')
fi
# A worktree's node_modules may be a link to the main checkout's: then links are followed (-h).
follow=()
if [ -L node_modules ]; then follow=(-h); fi
tar "${follow[@]}" -cf - --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' --exclude='node_modules/playwright-core' \
  --exclude='node_modules/typescript' "${test_tooling[@]}" node_modules dist | xz -T2 -6 > "$out/node_modules-dist.tar.xz"

shared=${GNOMON_SHARED_DIR:-../shared}
if [ "$what" = engine ]; then
  # The fixtures the engine tests compare against: ../shared does not travel with the tree.
  mkdir -p "$out/shared/fixtures"
  cp -r "$shared/fixtures/internlm2" "$out/shared/fixtures/"
else
  # The real InternLM2 tokenizer: the peer bench's 1.8B shape writes its GGUF vocabulary from it.
  mkdir -p "$out/shared/tokenizers/internlm2"
  cp "$shared/tokenizers/internlm2/"{tokenizer.model,tokenizer_config.json,config.json} "$out/shared/tokenizers/internlm2/"
  # node-llama-cpp, installed into gnomon's cache on first use (npm), with its linux-x64 CPU and
  # Vulkan builds only (4.8 + 11.2 MB of xz) and its JavaScript (1.9 MB), without the llama.cpp
  # source bundle it keeps for building from source (34 MB). Its CUDA build stays here: its
  # libggml-cuda.so alone is 159 MB uncompressed, and it links CUDA 13's libcudart.so.13 and
  # libcublas.so.13, which a machine with only the NVIDIA driver lacks; the bench then lists cuda
  # as not offered.
  peers=$(node dist/bench/peers/install-peer.js)
  tar -C "$(dirname "$peers")" -cf - --exclude='*/@node-llama-cpp/linux-arm64' --exclude='*/@node-llama-cpp/linux-armv7l' \
    --exclude='*/@node-llama-cpp/linux-x64-cuda' --exclude='*/@node-llama-cpp/linux-x64-cuda-ext' \
    --exclude='*/node-llama-cpp/llama/gitRelease.bundle' "$(basename "$peers")" | xz -T2 -6 > "$out/node-llama-cpp.tar.xz"
fi

# The Vulkan loader, as the device README says (amd64 packages whatever this machine is).
lists=$(mktemp -d)
mkdir -p "$lists/partial"
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
apt-get "${apt_opts[@]}" update -qq
(cd "$out" && apt-get "${apt_opts[@]}" download libvulkan1 >/dev/null)
rm -rf "$lists"
du -sh "$out"/*
du -sh "$out"
