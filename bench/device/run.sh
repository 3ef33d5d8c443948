#!/usr/bin/env bash
# Runs gnomon on a lent GPU machine from what bench/device/pack.sh put in .device-carry/: unpacks
# node, node_modules, dist/ and the Vulkan loader, prints the adapter (harness doctor), then
#   tests  the engine tests (test/engine: real WGSL on the GPU),
#   bench  npm run bench -- --large (every engine bench at real-GPU sizes), then the 1.8B shape
#          end to end with and without subgroups (--kernels gpu,gpu-split),
#   peers  the peer bench (bench/peers/): gnomon ÷ llama.cpp on every backend its packed builds offer
#          (Vulkan on the GPU, CPU with the machine's cores), the mid shape in f32 and f16 from 128 to
#          8k tokens, then the InternLM2-1.8B shape in f16,
#   all    each of these three that the carried pack holds (pack.sh engine: tests and bench; pack.sh
#          peers: bench and peers); a step asked for by name whose pieces were not packed fails.
# Output goes to $OUT (the device tool's folder; ./device-out elsewhere), one log per step.
#
#   bash bench/device/run.sh all
set -uo pipefail
cd "$(dirname "$0")/../.."
what=${1:-all}
carry=.device-carry
out=${OUT:-./device-out}
mkdir -p "$out"
work=$(mktemp -d)

if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1; then
  for f in "$carry"/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
xz -d -c "$carry/node.xz" > "$work/node" && chmod +x "$work/node"
export PATH="$work:$PATH"
# Unpacked every time: node_modules/ and dist/ left by an earlier call may come from the other pack
# or older code.
xz -d -c "$carry/node_modules-dist.tar.xz" | tar -xf -
# NVIDIA's Vulkan driver where the loader does not find it on its own.
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$nvidia_icd" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES=$nvidia_icd; fi

export GNOMON_SHARED_DIR="$PWD/$carry/shared"

status=0
node dist/harness/cli.js doctor 2>&1 | tee "$out/doctor.txt" || status=1
# A step not in the carried pack: a note, and a failure only when that step was asked for by name.
not_packed() {
  echo "$1: not in this pack (bash bench/device/pack.sh $2 packs it)" | tee -a "$out/not-packed.txt"
  if [ "$what" = "$1" ]; then status=1; fi
}
if [ "$what" = tests ] || [ "$what" = all ]; then
  if [ -d node_modules/vitest ]; then
    node node_modules/vitest/vitest.mjs run test/engine 2>&1 | tee "$out/tests.txt" || status=1
  else
    not_packed tests engine
  fi
fi
if [ "$what" = bench ] || [ "$what" = all ]; then
  node dist/bench/run-all.js --large 2>&1 | tee "$out/bench.txt" || status=1
  node dist/bench/end-to-end.js --shape 1.8b --contexts 1024 --no-naive --kernels gpu,gpu-split 2>&1 | tee "$out/subgroups.txt" || status=1
fi
if { [ "$what" = peers ] || [ "$what" = all ]; } && [ ! -f "$carry/node-llama-cpp.tar.xz" ]; then
  not_packed peers peers
elif [ "$what" = peers ] || [ "$what" = all ]; then
  # node-llama-cpp goes where the bench looks for it, $GNOMON_CACHE/peers/; checkpoints are written there too.
  export GNOMON_CACHE="$PWD/.cache"
  mkdir -p "$GNOMON_CACHE/peers"
  [ -d "$GNOMON_CACHE/peers/node-llama-cpp-3.21.1" ] || xz -d -c "$carry/node-llama-cpp.tar.xz" | tar -xf - -C "$GNOMON_CACHE/peers"
  node dist/bench/peers/llama-cpp.js --shape mid --dtype f32,f16 --prefill 128,512,2048,8192 --decode-contexts 512,8192 \
    --repeats 3 --out "$out/peers-mid.json" 2>&1 | tee "$out/peers-mid.txt" || status=1
  node dist/bench/peers/llama-cpp.js --shape 1.8b --dtype f16 --prefill 512,2048 --decode-contexts 512 \
    --repeats 3 --out "$out/peers-1.8b.json" 2>&1 | tee "$out/peers-1.8b.txt" || status=1
fi
rm -rf "$work"
exit $status
