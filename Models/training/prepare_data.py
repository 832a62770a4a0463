"""Stage 0: build the LR/HR training cache from BSDS400 (never Set5/Set14).

Each photo is turned landscape (480x320 after modcrop 4; rotations are part of the
augmentation anyway), LR = MATLAB bicubic /4 rounded to 8 bit (120x80).
Writes $ENHANCE_CACHE/bsds400_x4.npz (default /work/cache), about 200 MB.

  python Models/training/prepare_data.py
"""
import hashlib
import time

import numpy as np

from common import BSDS, CACHE, RUNS, RunLog, bicubic_down, load_rgb, modcrop


def main():
    t0 = time.time()
    files = sorted(BSDS.glob("*.jpg"))
    assert len(files) == 400, f"expected 400 BSDS images in {BSDS}, found {len(files)}"
    hrs, lrs = [], []
    for f in files:
        img = load_rgb(f)
        if img.shape[0] > img.shape[1]:
            img = img.transpose(1, 0, 2)
        hr = np.ascontiguousarray(modcrop(img, 4))
        hrs.append(hr)
        lrs.append(bicubic_down(hr))
    hr = np.stack(hrs)
    lr = np.stack(lrs)
    CACHE.mkdir(parents=True, exist_ok=True)
    out = CACHE / "bsds400_x4.npz"
    np.savez(out, lr=lr, hr=hr, names=np.array([f.name for f in files]))
    digest = hashlib.sha256(lr.tobytes()).hexdigest()[:16]
    RunLog(RUNS / "prepare_data").write("prepared", out=str(out), images=len(files), hr_shape=list(hr.shape),
                                        lr_shape=list(lr.shape), lr_sha256_16=digest,
                                        seconds=round(time.time() - t0, 1))


if __name__ == "__main__":
    main()
