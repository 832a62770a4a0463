#!/usr/bin/env python3
"""The DAT-2 real-size check's two halves (scripts/oracles/dat_real_size.sh; local, never in CI).

    dat_real_size.py oracle MODEL.pth IN.png OUT.npy   spandrel's forward of IN (8-bit RGB) → float HWC
    dat_real_size.py compare DIR                        the 16-bit PNGs of DIR against the oracles and
                                                        the untiled upscales (max |Δ|, 8-bit levels)
"""
import glob
import os
import struct
import sys
import zlib

import numpy as np


def read16(path):
    """A non-interlaced 16-bit RGB PNG (what `enhance upscale --bit-depth 16` writes) as floats in [0, 1]."""
    b, i, idat = open(path, "rb").read(), 8, b""
    while i < len(b):
        n, t = struct.unpack(">I4s", b[i:i + 8])
        d, i = b[i + 8:i + 8 + n], i + 12 + n
        if t == b"IHDR":
            w, h, depth, ctype, _, _, inter = struct.unpack(">IIBBBBB", d)
        elif t == b"IDAT":
            idat += d
    assert depth == 16 and ctype == 2 and inter == 0, (depth, ctype, inter)
    raw, bpp = zlib.decompress(idat), 6
    stride = w * bpp
    out, prev = np.zeros((h, stride), np.uint8), np.zeros(stride, np.int32)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, np.int32)
        for x in range(stride):
            a = cur[x - bpp] if x >= bpp else 0
            c = prev[x - bpp] if x >= bpp else 0
            up = prev[x]
            if f == 0:
                p = 0
            elif f == 1:
                p = a
            elif f == 2:
                p = up
            elif f == 3:
                p = (a + up) // 2
            else:
                pa, pb, pc = abs(up - c), abs(a - c), abs(a + up - 2 * c)
                p = a if pa <= pb and pa <= pc else (up if pb <= pc else c)
            cur[x] = (line[x] + p) & 255
        out[y], prev = cur, cur
    v = out.reshape(h, w, 3, 2).astype(np.float64)
    return (v[..., 0] * 256 + v[..., 1]) / 65535


def report(what, a, b, rng):
    d = np.abs(a - b)
    levels = int(np.abs(np.round(a * 255) - np.round(b * 255)).max())
    print(f"{what}: max {d.max():.3g} ({d.max() / rng:.3g} of the range), {levels}/255 in 8 bits, "
          f"{100 * (d * 255 > 0.5).mean():.3f} % more than 0.5/255 apart")


def oracle(model, inp, out):
    import torch
    import spandrel
    from PIL import Image
    torch.set_num_threads(1)
    m = spandrel.ModelLoader().load_from_file(model).model.eval().float()
    x = torch.from_numpy(np.asarray(Image.open(inp).convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)[None]
    with torch.no_grad():
        y = m(x)[0].permute(1, 2, 0).numpy()
    np.save(out, y)


def compare(d):
    for ref in sorted(glob.glob(os.path.join(d, "*.ref.npy"))):
        n = os.path.basename(ref)[:-len(".ref.npy")]
        y = np.load(ref)
        report(f"{n}: 48x40 vs spandrel (clamped)", read16(os.path.join(d, f"{n}.small.png")), np.clip(y, 0, 1),
               y.max() - y.min())
        for image in ("pic", "strip"):
            whole = read16(os.path.join(d, f"{n}.{image}.untiled.png"))
            for t in sorted(glob.glob(os.path.join(d, f"{n}.{image}.m*.png"))):
                report(f"{n}: {image} {os.path.basename(t)} vs untiled", read16(t), whole, 1.0)


if __name__ == "__main__":
    oracle(*sys.argv[2:5]) if sys.argv[1] == "oracle" else compare(sys.argv[2])
