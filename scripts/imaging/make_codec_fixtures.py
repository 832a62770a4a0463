#!/usr/bin/env python3
"""Generate decoder fixtures for EnhanceImagingTests (Fixtures/codec/ + codec/manifest.json).

PNGs are written by pypng (every colour type and bit depth, palette + tRNS, Adam7) from known
arrays; text-chunk PNGs by Pillow's PngInfo. JPEGs are written by Pillow (baseline, progressive,
gray, Adobe CMYK, EXIF orientations 1-8) and by libjpeg-turbo's TurboJPEG API (YCCK); their
expected RGB is Pillow's decode (+ ImageOps.exif_transpose). Samples are stored CHW, RGB(A), as
integers at the decoded depth's scale (maxval). Usage (repo root):
    python3 scripts/imaging/make_codec_fixtures.py
"""
import io
import json
import os
import shutil

import numpy as np
import png  # pypng
from PIL import Image, ImageOps, PngImagePlugin

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "EnhanceImagingTests", "Fixtures", "codec")
RNG = np.random.RandomState(7)
W, H = 13, 7


def expected_entry(name, rgba, maxval, alpha):
    """rgba: HxWx4 ints at maxval scale."""
    chans = 4 if alpha else 3
    chw = rgba[:, :, :chans].transpose(2, 0, 1).reshape(-1)
    return {"file": name, "width": int(rgba.shape[1]), "height": int(rgba.shape[0]), "channels": chans,
            "maxval": maxval, "samples": [int(v) for v in chw]}


def write_pypng(name, rows, **kw):
    with open(os.path.join(OUT, name), "wb") as f:
        png.Writer(W, H, **kw).write(f, rows)


def png_cases():
    cases = []
    for interlace in (False, True):
        tag = "_adam7" if interlace else ""
        for depth in (1, 2, 4, 8, 16):
            maxv = (1 << depth) - 1
            g = RNG.randint(0, maxv + 1, (H, W))
            name = f"gray{depth}{tag}.png"
            write_pypng(name, g.tolist(), greyscale=True, bitdepth=depth, interlace=interlace)
            out_max = 65535 if depth == 16 else 255
            v = g * (out_max // maxv)
            cases.append(expected_entry(name, np.stack([v, v, v, np.full_like(v, out_max)], -1), out_max, False))
        for depth in (8, 16):
            maxv = (1 << depth) - 1
            ga = RNG.randint(0, maxv + 1, (H, W, 2))
            name = f"gray_alpha{depth}{tag}.png"
            write_pypng(name, ga.reshape(H, -1).tolist(), greyscale=True, alpha=True, bitdepth=depth, interlace=interlace)
            cases.append(expected_entry(name, np.stack([ga[..., 0]] * 3 + [ga[..., 1]], -1), maxv, True))
            for alpha in (False, True):
                c = 4 if alpha else 3
                px = RNG.randint(0, maxv + 1, (H, W, c))
                name = f"{'rgba' if alpha else 'rgb'}{depth}{tag}.png"
                write_pypng(name, px.reshape(H, -1).tolist(), greyscale=False, alpha=alpha, bitdepth=depth,
                            interlace=interlace)
                full = px if alpha else np.concatenate([px, np.full((H, W, 1), maxv)], -1)
                cases.append(expected_entry(name, full, maxv, alpha))
        for depth in (1, 2, 4, 8):
            n = 1 << depth
            for trns in (False, True):
                pal = [tuple(int(x) for x in RNG.randint(0, 256, 3)) + ((int(RNG.randint(0, 256)),) if trns else ())
                       for _ in range(n)]
                idx = RNG.randint(0, n, (H, W))
                name = f"palette{depth}{'_trns' if trns else ''}{tag}.png"
                write_pypng(name, idx.tolist(), palette=pal, bitdepth=depth, interlace=interlace)
                lut = np.array([p if trns else p + (255,) for p in pal])
                cases.append(expected_entry(name, lut[idx], 255, trns))
    # gray and RGB with a tRNS colour key
    g = RNG.randint(0, 256, (H, W))
    key = int(g[2, 3])
    write_pypng("gray8_trns.png", g.tolist(), greyscale=True, bitdepth=8, transparent=(key,))
    cases.append(expected_entry("gray8_trns.png", np.stack([g, g, g, np.where(g == key, 0, 255)], -1), 255, True))
    px = RNG.randint(0, 4, (H, W, 3)) * 80
    key3 = tuple(int(x) for x in px[1, 1])
    write_pypng("rgb8_trns.png", px.reshape(H, -1).tolist(), greyscale=False, bitdepth=8, transparent=key3)
    a = np.where((px == np.array(key3)).all(-1), 0, 255)
    cases.append(expected_entry("rgb8_trns.png", np.concatenate([px, a[..., None]], -1), 255, True))
    return cases


def text_cases():
    info = PngImagePlugin.PngInfo()
    info.add_text("method", "bicubic")
    info.add_text("alpha", "0.35", zip=True)  # zTXt
    info.add_itxt("model", "RRDBNet ×4 — sha256 abc", lang="en", tkey="Modell")
    Image.new("RGB", (3, 2), (1, 2, 3)).save(os.path.join(OUT, "text_chunks.png"), pnginfo=info)
    return {"file": "text_chunks.png", "text": {"method": "bicubic", "alpha": "0.35", "model": "RRDBNet ×4 — sha256 abc"}}


def gradient_rgb(w, h):
    y, x = np.mgrid[0:h, 0:w]
    arr = np.stack([x * 255 // (w - 1), y * 255 // (h - 1), (x * y * 7) % 256], -1).astype(np.uint8)
    arr[: h // 3, : w // 4] = (250, 20, 20)  # a red block marks the top-left corner
    return arr


def pillow_rgb(path):
    im = Image.open(path)
    im = ImageOps.exif_transpose(im)
    return np.asarray(im.convert("RGB")).astype(int)


def jpeg_cases():
    import turbojpeg
    cases = []
    base = gradient_rgb(32, 24)
    specs = [("baseline.jpg", Image.fromarray(base), {}),
             ("progressive.jpg", Image.fromarray(base), {"progressive": True}),
             ("gray.jpg", Image.fromarray(base).convert("L"), {}),
             ("cmyk_adobe.jpg", Image.fromarray(base).convert("CMYK"), {})]
    for name, im, kw in specs:
        im.save(os.path.join(OUT, name), "JPEG", quality=92, **kw)
    cmyk = np.asarray(Image.fromarray(base).convert("CMYK"))
    with open(os.path.join(OUT, "ycck.jpg"), "wb") as f:
        f.write(turbojpeg.TurboJPEG().encode(cmyk, quality=92, pixel_format=turbojpeg.TJPF_CMYK))
    assert Image.open(os.path.join(OUT, "ycck.jpg")).info.get("adobe_transform") == 2  # really YCCK
    names = [s[0] for s in specs] + ["ycck.jpg"]
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        name = f"exif_orientation_{orientation}.jpg"
        Image.fromarray(gradient_rgb(20, 12)).save(os.path.join(OUT, name), "JPEG", quality=95, exif=exif.tobytes())
        names.append(name)
    for name in names:
        rgb = pillow_rgb(os.path.join(OUT, name))
        full = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255)], -1)
        cases.append(expected_entry(name, full, 255, False))
    return cases


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    manifest = {"generator": "scripts/imaging/make_codec_fixtures.py", "png": png_cases(), "jpeg": jpeg_cases(),
                "text": text_cases()}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    print(f"wrote {len(manifest['png'])} PNG and {len(manifest['jpeg'])} JPEG cases to {OUT}")


if __name__ == "__main__":
    main()
