"""The RRDB pair's comparison figure, from the Swift binary's outputs.

  python3 Models/training/rrdb_figure.py [--enhance .build/release/enhance]
      -> Models/enhance-rrdb-x4-comparison.png

Columns: bicubic | alpha = 0 (the partner) | alpha = 0.5 | alpha = 1 (RealESRGAN_x4plus) | HR; rows
are HR crops (120x120 shown 2x, nearest). Clean rows: LR = MATLAB bicubic /4 of the modcropped HR
rounded to 8 bits (imresize.py), the protocol of `enhance eval`. Degraded rows: the LR of the
committed recipe (make_degraded_set.py -> $ENHANCE_CACHE/Set14-degraded-x4, generated if absent).
Every SR image is `enhance upscale --pair enhance-rrdb-x4 --method ...` (bicubic too).
"""
import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from common import CACHE, REPO, SET5, SET14, bicubic_down, figure, load_rgb, modcrop

PAIR = "enhance-rrdb-x4"
COLS = ["bicubic", "alpha 0", "alpha 0.5", "alpha 1", "HR"]
ARGS = {"bicubic": ["--method", "bicubic"], "alpha 0": ["--method", "psnr"],
        "alpha 0.5": ["--method", "blend", "--alpha", "0.5"], "alpha 1": ["--method", "gan"]}
# (set, image, degraded, y, x, size, label)
ROWS = [(SET14, "baboon", False, 40, 300, 120, "Set14 baboon"),
        (SET5, "butterfly", False, 60, 80, 120, "Set5 butterfly"),
        (SET5, "woman", False, 40, 80, 120, "Set5 woman"),
        (SET14, "lenna", True, 200, 220, 120, "Set14 lenna, degraded"),
        (SET14, "zebra", True, 150, 250, 120, "Set14 zebra, degraded")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--enhance", default=str(REPO / ".build/release/enhance"))
    ap.add_argument("--out", default=str(REPO / "Models" / f"{PAIR}-comparison.png"))
    a = ap.parse_args()
    degraded = CACHE / "Set14-degraded-x4"
    if not degraded.is_dir():
        subprocess.run(["python3", str(Path(__file__).with_name("make_degraded_set.py"))], check=True)
    images, crops, labels = {}, [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (folder, name, bad, y, x, s, label) in enumerate(ROWS):
            key = f"{i}:{name}"
            hr = modcrop(load_rgb(folder / f"{name}.png"))
            lr_path = degraded / f"{name}.png" if bad else Path(tmp) / f"{i}-{name}-lr.png"
            if not bad:
                Image.fromarray(bicubic_down(hr)).save(lr_path)
            images["HR", key] = hr
            for col, extra in ARGS.items():
                out = Path(tmp) / f"{i}-{col}.png"
                subprocess.run([a.enhance, "upscale", str(lr_path), "-o", str(out), "--pair", PAIR] + extra,
                               check=True, stdout=subprocess.DEVNULL)
                images[col, key] = np.asarray(Image.open(out).convert("RGB"))
            crops.append((key, y, x, s))
            labels.append(label)
    figure(COLS, lambda c, k: images[c, k], crops, a.out, labels)
    print("figure", a.out)


if __name__ == "__main__":
    main()
