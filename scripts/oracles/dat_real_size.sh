#!/bin/bash
# Local DAT-2 real-size check (not CI; the debug DATTests.testRealSizeDAT2MatchesSpandrel does the same
# in floats but takes too long on a 2-core machine). Needs the --real-size fixtures
# (make_spandrel_fixtures.py --real-size dat2 → /tmp/enhance-real-size), a release build
# (swift build -c release --product enhance), /work/torch-venv and the oracle venv. Writes to $OUT:
# spandrel vs Enhance on a 48×40 crop of Assets/chelsea.png, and 64 px tiles (margins 0, 32, 64) vs the
# untiled upscale on a 128×128 crop and a 256×64 strip (with a 64 px margin a 128 px image is one tile).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/dat-real-size}; DIR=${ENHANCE_REAL_SIZE_DIR:-/tmp/enhance-real-size}
mkdir -p "$OUT"
/tmp/enh-oracles-venv/bin/python - "$OUT" <<'PY'
import sys
from PIL import Image
im, out = Image.open("Assets/chelsea.png").convert("RGB"), sys.argv[1]
im.crop((200, 100, 248, 140)).save(f"{out}/small.png")
im.crop((150, 60, 278, 188)).save(f"{out}/pic.png")
im.crop((100, 120, 356, 184)).save(f"{out}/strip.png")
PY
for n in dat2_real dat2_real_strong; do
  M=$DIR/$n.weights.safetensors
  run() { .build/release/enhance upscale "$OUT/$1.png" -o "$OUT/$n.$2.png" --model "$M" --threads 2 \
            --bit-depth 16 --force "${@:3}"; }
  /work/torch-venv/bin/python scripts/oracles/dat_real_size.py oracle "$DIR/$n.pth" "$OUT/small.png" "$OUT/$n.ref.npy"
  run small small --tile 512
  for image in pic strip; do
    run $image $image.untiled --tile 512
    for m in 0 32 64; do run $image $image.m$m --tile 64 --tile-overlap $m; done
  done
done
/tmp/enh-oracles-venv/bin/python scripts/oracles/dat_real_size.py compare "$OUT"
