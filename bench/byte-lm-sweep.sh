#!/bin/sh
# The transformer budget sweep on a lent many-core machine without Node.js or network (README, ByteSpan):
#   sh bench/byte-lm-sweep.sh prepare DIR   here: node (xz), bench/byte-lm-train.ts bundled into one file,
#                                            the wasm binaries, the study's S0/S2 and the plan, into DIR
#   sh bench/byte-lm-sweep.sh run DIR       there: every plan line (name steps seed config-json) as its own
#                                            single-threaded process, all at once; JSON lines to
#                                            $OUT/sweep.jsonl, the trained models (without optimiser state)
#                                            to $OUT/models-*.tgz
# DIR must be git-ignored and carried. Env: PLAN (default bench/byte-lm-sweep.plan), DATA (default
# out/bytespan/data), DEADLINE_S (run: seconds after which every run stops after its current step, 420).
set -eu
dir="$2"
case "$1" in
prepare)
  mkdir -p "$dir/data" "$dir/node_modules/@tensorflow/tfjs-backend-wasm/dist"
  [ -f "$dir/node.xz" ] || xz -9 -T2 -c "$(command -v node)" > "$dir/node.xz"
  npx esbuild bench/byte-lm-train.ts --bundle --platform=node --format=esm --external:onnxruntime-node \
    --external:@napi-rs/canvas --minify \
    --banner:js="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __fu(new URL('.', import.meta.url));" \
    --log-level=warning --outfile="$dir/byte-lm-train.js"
  # backend.ts finds the .wasm binaries beside the package's resolved entry point.
  wasm=node_modules/@tensorflow/tfjs-backend-wasm
  cp "$wasm/package.json" "$dir/$wasm/"
  cp "$wasm"/dist/*.wasm "$wasm/dist/tf-backend-wasm.node.js" "$dir/$wasm/dist/"
  # The loss plot's canvas: its JavaScript as is, its 35 MB native binary compressed (unpacked by run).
  skia=node_modules/@napi-rs/canvas-linux-x64-gnu
  mkdir -p "$dir/$skia" && cp -r node_modules/@napi-rs/canvas "$dir/node_modules/@napi-rs/"
  cp "$skia/package.json" "$dir/$skia/"
  [ -f "$dir/$skia/skia.node.xz" ] || xz -6 -T2 -c "$skia/skia.linux-x64-gnu.node" > "$dir/$skia/skia.node.xz"
  cp "${DATA:-out/bytespan/data}/s0.txt" "${DATA:-out/bytespan/data}/s2.txt" "$dir/data/"
  cp "${PLAN:-bench/byte-lm-sweep.plan}" "$dir/plan"
  cp bench/byte-lm-sweep.sh "$dir/"
  du -sh "$dir"
  ;;
run)
  out="${OUT:-.}"
  node=/tmp/cleangpt-node
  xz -dc "$dir/node.xz" > "$node" && chmod +x "$node"
  skia="$dir/node_modules/@napi-rs/canvas-linux-x64-gnu"
  xz -dc "$skia/skia.node.xz" > "$skia/skia.linux-x64-gnu.node"
  runs=/tmp/cleangpt-sweep
  mkdir -p "$runs"
  echo "cores: $(nproc); $(grep -m1 "model name" /proc/cpuinfo)"
  # Read from a file, not a pipe: a piped loop runs in a subshell whose children `wait` would not see.
  grep -v '^#' "$dir/plan" > "$runs/plan"
  while read -r name steps seed config; do
    "$node" "$dir/byte-lm-train.js" --data "$dir/data" --steps "$steps" --seed "$seed" --config "$config" \
      --out "$runs/$name" --deadline-s "${DEADLINE_S:-420}" > "$runs/$name.json" 2> "$runs/$name.err" &
  done < "$runs/plan"
  wait
  cat "$runs"/*.json > "$out/sweep.jsonl"
  for f in "$runs"/*.err; do [ -s "$f" ] && { echo "== $f"; tail -5 "$f"; }; done
  cat "$out/sweep.jsonl"
  # Archives of four models each keep every file under the 16 MiB a lent machine hands back.
  (cd "$runs" && ls -d -- */ | tr -d / > "$runs/names")
  split -l 4 -d "$runs/names" "$runs/chunk-"
  for chunk in "$runs"/chunk-*; do
    (cd "$runs" && tar czf "$out/models-${chunk##*-}.tgz" --exclude=checkpoint --exclude=best $(cat "$chunk"))
  done
  ls -la "$out"
  ;;
*) echo "usage: $0 prepare|run DIR" >&2; exit 2 ;;
esac
