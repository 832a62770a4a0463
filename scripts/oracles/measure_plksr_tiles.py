"""Local measurement (not CI, not a fixture): how far per-tile GroupNorm statistics take a real-size
RealPLKSR (dim 64, 28 blocks, x4; random weights: spandrel's initial ones, and perturbed by 0.05 as the
fixtures are) from the untiled pass, on a picture-like input, with tiles cut as Enhance's Tiler cuts
them (core + 48 px margin, each window run alone). The numbers are quoted in docs/architectures.md.

    /work/torch-venv/bin/python scripts/oracles/measure_plksr_tiles.py     # ~4 min on 2 cores
"""
import torch, numpy as np, sys
from spandrel.architectures.PLKSR import RealPLKSR
torch.set_num_threads(2)
def synthetic(h, w):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = x / w, y / h
    disc = np.where((u-.3)**2 + (v-.4)**2 < .04, .5, 0)
    ring = np.where((u-.7)**2 + (v-.6)**2 < .02, -.3, 0)
    stripes = np.where((u > .5) & (v < .3), .2 * ((x // 3) % 2), 0)
    img = np.stack([.2 + .6*u + disc + stripes, .3 + .4*v + ring + stripes, .6 - .4*u*v + disc*.5])
    return torch.from_numpy(np.clip(img, 0, 1).astype(np.float32))[None]
def tiled(net, x, tile, margin, s=4):
    _, _, H, W = x.shape
    out = torch.zeros(1, 3, H*s, W*s)
    for y0 in range(0, H, tile):
        for x0 in range(0, W, tile):
            y1, x1 = min(H, y0+tile), min(W, x0+tile)
            wy0, wx0, wy1, wx1 = max(0, y0-margin), max(0, x0-margin), min(H, y1+margin), min(W, x1+margin)
            r = net(x[:, :, wy0:wy1, wx0:wx1])
            out[:, :, y0*s:y1*s, x0*s:x1*s] = r[:, :, (y0-wy0)*s:(y1-wy0)*s, (x0-wx0)*s:(x1-wx0)*s]
    return out
torch.manual_seed(0)
for label in ["init", "perturbed"]:
    net = RealPLKSR(dim=64, n_blocks=28, upscaling_factor=4, kernel_size=17, split_ratio=0.25).eval()
    if label == "perturbed":
        g = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for _, t in net.named_parameters(): t.add_(torch.randn(t.shape, generator=g) * 0.05)
    for (h, w, tile) in [(160, 192, 96), (256, 256, 128)]:
        x = synthetic(h, w)
        with torch.no_grad():
            whole = net(x); t = tiled(net, x, tile, 48)
        rng = (whole.max() - whole.min()).item()
        d = (t - whole).abs()
        q = lambda a: (a.clamp(0, 1) * 255).round()
        lv = (q(t) - q(whole)).abs()
        print(f"{label} {w}x{h} tile {tile} margin 48: output [{whole.min():.2f},{whole.max():.2f}], "
              f"max |diff| {d.max():.4f} = {d.max()/rng:.4f} of range, mean |diff| {d.mean():.5f}; "
              f"8-bit max {int(lv.max())}/255, {100*(lv>1).float().mean():.2f}% of values differ by >1 level", flush=True)
