#!/bin/sh
# Prepares the git-ignored .gpu/ folder that bench/gpu-run.sh needs on a GPU machine without Node.js or
# network: this machine's node binary (xz), Dawn's dawn.node, the Vulkan loader packages, and
# bench/gpu.ts bundled into one file. Pass `.gpu` in the device tool's carry.
set -eu
mkdir -p .gpu/debs
[ -f .gpu/node.xz ] || xz -9 -T2 -c "$(command -v node)" > .gpu/node.xz
cp node_modules/webgpu/dist/linux-x64/dawn.node .gpu/
npx esbuild bench/gpu.ts --bundle --platform=node --format=esm --external:webgpu --external:onnxruntime-node \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
  --outfile=.gpu/bench.js
(cd .gpu/debs && ls ./*.deb >/dev/null 2>&1 || apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
du -sh .gpu
