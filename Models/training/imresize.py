"""MATLAB-compatible bicubic resize (imresize(x, s, 'bicubic')), vectorised numpy.

Same kernel as Enhance's Swift downscale:
  * Keys cubic with a = -0.5;
  * when shrinking (scale < 1) with antialiasing, the kernel is widened by 1/scale
    (width 4/scale) and its values scaled by `scale`;
  * output pixel x (1-based) samples the input at u = x/scale + 0.5*(1 - 1/scale);
  * taps outside the image are mirrored symmetrically (MATLAB 'symmetric':
    ... 2 1 | 1 2 3 ... n | n n-1 ...);
  * every output pixel's weights are normalised to sum to 1.

Each axis becomes a dense (out, in) matrix, so a resize is two matrix products.
Rows (height) are resized first, then columns, computed in float64.
"""
import math

import numpy as np


def keys_cubic(x: np.ndarray, a: float = -0.5) -> np.ndarray:
    ax = np.abs(x)
    ax2 = ax * ax
    ax3 = ax2 * ax
    near = (a + 2.0) * ax3 - (a + 3.0) * ax2 + 1.0
    far = a * ax3 - 5.0 * a * ax2 + 8.0 * a * ax - 4.0 * a
    return np.where(ax <= 1.0, near, np.where(ax < 2.0, far, 0.0))


def resize_matrix(in_len: int, out_len: int, scale: float, antialias: bool = True) -> np.ndarray:
    """(out_len, in_len) float64 matrix M with out = M @ in along one axis."""
    shrink = scale < 1.0 and antialias
    width = 4.0 / scale if shrink else 4.0
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - width / 2.0)
    taps = int(math.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps, dtype=np.float64)[None, :]  # 1-based
    dist = u[:, None] - idx
    w = scale * keys_cubic(scale * dist) if shrink else keys_cubic(dist)
    w = w / w.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(in_len), np.arange(in_len)[::-1]])
    src = mirror[np.mod(idx.astype(np.int64) - 1, 2 * in_len)]
    m = np.zeros((out_len, in_len), dtype=np.float64)
    rows = np.repeat(np.arange(out_len), taps)
    np.add.at(m, (rows, src.ravel()), w.ravel())
    return m


def imresize(img: np.ndarray, scale: float, antialias: bool = True) -> np.ndarray:
    """Resize an HxW or HxWxC float array by `scale` (output size ceil(in*scale)).

    Values are returned as float64, unclipped and unrounded (callers quantise).
    """
    h, w = img.shape[:2]
    oh, ow = int(math.ceil(h * scale)), int(math.ceil(w * scale))
    mh = resize_matrix(h, oh, scale, antialias)
    mw = resize_matrix(w, ow, scale, antialias)
    x = img.astype(np.float64)
    if x.ndim == 2:
        return mh @ x @ mw.T
    out = np.einsum("oh,hwc->owc", mh, x)
    return np.einsum("pw,owc->opc", mw, out)


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Round half away from zero like MATLAB's uint8 conversion (values in 0..255)."""
    return np.clip(np.floor(x + 0.5), 0, 255).astype(np.uint8)
