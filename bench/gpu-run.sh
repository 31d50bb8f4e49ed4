#!/bin/sh
# The one GPU check of bench:model (tfjs WebGPU training next to PyTorch CUDA on the same model), run on
# the lent GPU machine from the repository root, with .gpu/ prepared by `bench/gpu-prepare.sh` here.
# Writes its JSON lines to $OUT/gpu-bench.jsonl (or ./gpu-bench.jsonl).
set -u
out="${OUT:-.}/gpu-bench.jsonl"
for f in .gpu/debs/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "${OUT:-.}/gpu-info.txt"
python3 -c 'import torch, onnxruntime as o; print("torch", torch.__version__, "onnxruntime", o.__version__, o.get_available_providers())' | tee -a "${OUT:-.}/gpu-info.txt"
for config in tiny small; do
  DAWN_NODE=.gpu/dawn.node timeout 200 /tmp/node .gpu/bench.js --configs "$config" --backends webgpu \
    --torch-device cuda --steps "${STEPS:-10}" 2>&1 | tee -a "$out"
done
