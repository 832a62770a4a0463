"""Degradations for the RRDB pair: clean MATLAB bicubic /4, or a mild Real-ESRGAN-style chain.

Mild chain (one pass, in this order; each step drawn independently):
  1. Gaussian blur of the HR image, probability 0.7: isotropic, sigma ~ U(0.3, 2.0) HR pixels,
     kernel radius ceil(3 sigma), symmetric borders;
  2. MATLAB-style bicubic /4 (imresize.py), always;
  3. Gaussian noise, probability 0.5: sigma ~ U(1, 8) 8-bit levels, colour (independent per
     channel) with probability 0.6, else grey (one field for all channels); rounded to 8 bit;
  4. JPEG, probability 0.6: quality ~ U{60..95} (PIL, 4:2:0 chroma subsampling).
Training draws the clean branch with probability 0.5 and the mild chain otherwise
(`TRAIN_MIX`). The fixed degraded-Set14 recipe (make_degraded_set.py) uses `FIXED_SET14`.
"""
import io

import numpy as np
from PIL import Image

from imresize import imresize, to_uint8

TRAIN_MIX = dict(p_clean=0.5, p_blur=0.7, blur_sigma=(0.3, 2.0), p_noise=0.5, noise_sigma=(1.0, 8.0),
                 p_color_noise=0.6, p_jpeg=0.6, jpeg_quality=(60, 95))
FIXED_SET14 = dict(blur_sigma=1.2, noise_sigma=5.0, color_noise=True, jpeg_quality=75)


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of an HxWxC float array with symmetric ('reflect-with-edge') borders."""
    r = int(np.ceil(3.0 * sigma))
    t = np.arange(-r, r + 1, dtype=np.float64)
    k = np.exp(-t * t / (2.0 * sigma * sigma))
    k /= k.sum()
    x = np.pad(img.astype(np.float64), ((r, r), (r, r), (0, 0)), mode="symmetric")
    h, w = img.shape[:2]
    rows = sum(k[i] * x[i: i + h] for i in range(2 * r + 1))
    return sum(k[i] * rows[:, i: i + w] for i in range(2 * r + 1))


def add_noise(img: np.ndarray, sigma: float, color: bool, rng: np.random.Generator) -> np.ndarray:
    h, w, c = img.shape
    n = rng.standard_normal((h, w, c if color else 1)) * sigma
    return img + n


def jpeg(img_u8: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(img_u8).save(buf, format="JPEG", quality=int(quality))
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def chain(hr_u8: np.ndarray, rng: np.random.Generator, blur=None, noise=None, color=True, quality=None):
    """HR uint8 -> LR uint8 with the given (already drawn) parameters; None skips a step."""
    x = hr_u8.astype(np.float64)
    if blur:
        x = gaussian_blur(x, blur)
    x = imresize(x, 0.25)
    if noise:
        x = add_noise(x, noise, color, rng)
    lr = to_uint8(x)
    if quality:
        lr = jpeg(lr, quality)
    return lr


def random_mild(hr_u8: np.ndarray, rng: np.random.Generator, mix: dict = TRAIN_MIX):
    """(LR uint8, description) drawn from the mild chain of `mix`."""
    blur = rng.uniform(*mix["blur_sigma"]) if rng.random() < mix["p_blur"] else None
    noise = rng.uniform(*mix["noise_sigma"]) if rng.random() < mix["p_noise"] else None
    color = bool(rng.random() < mix["p_color_noise"])
    lo, hi = mix["jpeg_quality"]
    quality = int(rng.integers(lo, hi + 1)) if rng.random() < mix["p_jpeg"] else None
    return chain(hr_u8, rng, blur, noise, color, quality), dict(blur=blur, noise=noise, color=color, q=quality)
