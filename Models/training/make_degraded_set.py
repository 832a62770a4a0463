"""Writes a degraded LR copy of a benchmark set (default Set14) for `enhance eval --lr`.

  python3 Models/training/make_degraded_set.py                      # -> $ENHANCE_CACHE/Set14-degraded-x4
  python3 Models/training/make_degraded_set.py --set DIR --out DIR2
  enhance eval --set ../shared/data/benchmarks/Set14 --lr /work/cache/Set14-degraded-x4 \
      --pair NAME --method blend --alphas 0 0.2 0.4 0.6 0.8 1

Recipe (degrade.FIXED_SET14, the same steps as the training chain with fixed strengths): HR
modcropped to 4 (grayscale expanded to RGB) -> Gaussian blur sigma 1.2 HR px -> MATLAB bicubic /4
-> Gaussian colour noise sigma 5 levels (numpy default_rng(seed + image index), images sorted by
name) -> 8-bit rounding -> JPEG quality 75 (PIL) -> saved as lossless PNG named like the HR image.
The images are generated, never committed; the recipe and its seed make them reproducible
(a manifest.json with each file's SHA-256 is written beside them).
"""
import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image

from common import CACHE, SET14, load_rgb, modcrop
from degrade import FIXED_SET14, chain


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default=str(SET14))
    ap.add_argument("--out", default=str(CACHE / "Set14-degraded-x4"))
    ap.add_argument("--seed", type=int, default=14)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in Path(a.set).iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".bmp"))
    assert files, f"no images in {a.set}"
    r = FIXED_SET14
    manifest = {"recipe": r, "seed": a.seed, "source": str(a.set), "files": {}}
    for i, f in enumerate(files):
        hr = modcrop(load_rgb(f), 4)
        rng = np.random.default_rng(a.seed + i)
        lr = chain(hr, rng, blur=r["blur_sigma"], noise=r["noise_sigma"], color=r["color_noise"],
                   quality=r["jpeg_quality"])
        dst = out / (f.stem + ".png")
        Image.fromarray(lr).save(dst)
        manifest["files"][dst.name] = hashlib.sha256(dst.read_bytes()).hexdigest()
        print(f"{dst}  {lr.shape[1]}x{lr.shape[0]}")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
