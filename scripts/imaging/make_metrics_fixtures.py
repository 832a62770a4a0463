#!/usr/bin/env python3
"""PSNR/SSIM oracle fixtures (Fixtures/metrics/) computed with scikit-image.

Y = 16 + 65.481 R + 128.553 G + 24.966 B (R, G, B in [0, 1], not rounded), `shave` border pixels
removed, then skimage.metrics.peak_signal_noise_ratio / structural_similarity with the Wang et al.
settings (Gaussian window σ = 1.5 → 11 taps, K1 .01, K2 .03, population covariance, L = 255).
Grayscale pairs compare the gray values directly. Usage (repo root):
    python3 scripts/imaging/make_metrics_fixtures.py
"""
import json
import os

import numpy as np
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "EnhanceImagingTests", "Fixtures", "metrics")


def luma(rgb8):
    x = rgb8.astype(np.float64) / 255.0
    return 16 + 65.481 * x[..., 0] + 128.553 * x[..., 1] + 24.966 * x[..., 2]


def scores(a, b, shave):
    if shave:
        a, b = a[shave:-shave, shave:-shave], b[shave:-shave, shave:-shave]
    return (float(peak_signal_noise_ratio(a, b, data_range=255)),
            float(structural_similarity(a, b, data_range=255, gaussian_weights=True, sigma=1.5,
                                        use_sample_covariance=False)))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.RandomState(3)
    h, w = 40, 48
    y, x = np.mgrid[0:h, 0:w]
    hr = np.stack([128 + 100 * np.sin(x / 5.0), 128 + 90 * np.cos(y / 4.0), (x * 5 + y * 3) % 256], -1)
    hr = np.clip(hr + rng.normal(0, 6, hr.shape), 0, 255).round().astype(np.uint8)
    sr = np.clip(hr.astype(float) + rng.normal(0, 9, hr.shape) + 4, 0, 255).round().astype(np.uint8)
    gray_hr = hr[..., 1]
    gray_sr = np.clip(gray_hr.astype(float) + rng.normal(0, 12, gray_hr.shape), 0, 255).round().astype(np.uint8)
    Image.fromarray(hr).save(os.path.join(OUT, "hr.png"))
    Image.fromarray(sr).save(os.path.join(OUT, "sr.png"))
    Image.fromarray(gray_hr).save(os.path.join(OUT, "gray_hr.png"))
    Image.fromarray(gray_sr).save(os.path.join(OUT, "gray_sr.png"))
    cases = []
    for shave in (0, 4):
        p, s = scores(luma(sr), luma(hr), shave)
        cases.append({"a": "sr.png", "b": "hr.png", "shave": shave, "grayscale": False, "psnr": p, "ssim": s})
        p, s = scores(gray_sr.astype(np.float64), gray_hr.astype(np.float64), shave)
        cases.append({"a": "gray_sr.png", "b": "gray_hr.png", "shave": shave, "grayscale": True, "psnr": p, "ssim": s})
    import skimage
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"generator": "scripts/imaging/make_metrics_fixtures.py", "skimage": skimage.__version__,
                   "cases": cases}, f, indent=1)
    print(json.dumps(cases, indent=1))


if __name__ == "__main__":
    main()
