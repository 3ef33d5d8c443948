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
# (git rev-parse finds the exclude file in a worktree too, where .git is a file.)
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx "/$out/" "$exclude" 2>/dev/null || echo "/$out/" >> "$exclude"
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
# The real InternLM2 tokenizer: the peer bench's 1.8B shape writes its GGUF vocabulary from it.
mkdir -p "$out/shared/tokenizers/internlm2"
cp "$shared/tokenizers/internlm2/"{tokenizer.model,tokenizer_config.json,config.json} "$out/shared/tokenizers/internlm2/"

# The peer bench (bench/peers/): node-llama-cpp, installed into gnomon's cache on first use (npm),
# packed with its linux-x64 CPU and Vulkan builds only, without the llama.cpp source bundle it keeps
# for building from source (34 MB): 17.3 MB as xz (measured here; with the rest, 42 MB, under the
# 64 MiB carry). The CUDA build stays here: its libggml-cuda.so alone is 159 MB uncompressed (152
# MiB, over the whole carry), and it links CUDA 13's libcudart.so.13 and libcublas.so.13, which a
# machine with only the NVIDIA driver lacks; the bench then lists cuda as not offered.
peers=$(node dist/bench/peers/install-peer.js)
tar -C "$(dirname "$peers")" -cf - --exclude='*/@node-llama-cpp/linux-arm64' --exclude='*/@node-llama-cpp/linux-armv7l' \
  --exclude='*/@node-llama-cpp/linux-x64-cuda' --exclude='*/@node-llama-cpp/linux-x64-cuda-ext' \
  --exclude='*/node-llama-cpp/llama/gitRelease.bundle' "$(basename "$peers")" | xz -T2 -6 > "$out/node-llama-cpp.tar.xz"

# The Vulkan loader, as the device README says (amd64 packages whatever this machine is).
lists=$(mktemp -d)
mkdir -p "$lists/partial"
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
apt-get "${apt_opts[@]}" update -qq
(cd "$out" && apt-get "${apt_opts[@]}" download libvulkan1 >/dev/null)
rm -rf "$lists"
du -sh "$out"/*
du -sh "$out"
