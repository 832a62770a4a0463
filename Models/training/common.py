"""Shared pieces of the Enhance training recipe: generator, metrics, data, logging.

The generator follows BasicSR's MSRResNet semantics (written independently):
  feat = lrelu0.1(conv_first(x))
  out  = body(feat)                      # N x [x + conv2(relu(conv1(x)))]
  out  = lrelu0.1(pixel_shuffle2(upconv1(out)))
  out  = lrelu0.1(pixel_shuffle2(upconv2(out)))
  out  = conv_last(lrelu0.1(conv_hr(out)))
  out  = out + bilinear_x4(x)           # align_corners=False
There is no skip from `feat` to `out` (unlike EDSR) and no BatchNorm.
Tensors are NCHW float32, RGB in [0, 1].
"""
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw

from imresize import imresize, to_uint8

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SET5 = SHARED / "data/benchmarks/Set5"
SET14 = SHARED / "data/benchmarks/Set14"
BSDS = SHARED / "data/train/BSDS400"
CACHE = Path(os.environ.get("ENHANCE_CACHE", "/work/cache"))
RUNS = Path(__file__).resolve().parent / "runs"


class ResBlock(nn.Module):
    def __init__(self, nf: int):
        super().__init__()
        self.conv1 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv2 = nn.Conv2d(nf, nf, 3, 1, 1)

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(x)))


class MSRResNet(nn.Module):
    def __init__(self, nf: int = 32, nb: int = 8, scale: int = 4):
        super().__init__()
        assert scale == 4
        self.nf, self.nb = nf, nb
        self.conv_first = nn.Conv2d(3, nf, 3, 1, 1)
        self.body = nn.Sequential(*[ResBlock(nf) for _ in range(nb)])
        self.upconv1 = nn.Conv2d(nf, nf * 4, 3, 1, 1)
        self.upconv2 = nn.Conv2d(nf, nf * 4, 3, 1, 1)
        self.conv_hr = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_last = nn.Conv2d(nf, 3, 3, 1, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, a=0.0, mode="fan_in")
                m.weight.data.mul_(0.1)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        act = lambda t: F.leaky_relu(t, 0.1)
        out = self.body(act(self.conv_first(x)))
        out = act(F.pixel_shuffle(self.upconv1(out), 2))
        out = act(F.pixel_shuffle(self.upconv2(out), 2))
        out = self.conv_last(act(self.conv_hr(out)))
        base = F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False)
        return out + base


def macs_per_input_pixel(nf: int, nb: int) -> int:
    """Multiply-accumulates per LR input pixel for MSRResNet x4 (3x3 convs)."""
    k = 9
    lr = k * 3 * nf + nb * 2 * k * nf * nf + k * nf * nf * 4  # conv_first, body, upconv1
    x2 = 4 * (k * nf * nf * 4)  # upconv2 at 2x
    x4 = 16 * (k * nf * nf + k * nf * 3)  # conv_hr, conv_last at 4x
    return lr + x2 + x4


def count_macs(model: nn.Module, h: int = 32, w: int = 32) -> float:
    """Measured MACs/input pixel via conv hooks (cross-check of the formula)."""
    total = [0]

    def hook(m, inp, out):
        total[0] += out.numel() * m.in_channels * m.kernel_size[0] * m.kernel_size[1] // m.groups

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model(torch.zeros(1, 3, h, w))
    for x in hs:
        x.remove()
    return total[0] / (h * w)


# ---------------------------------------------------------------- images / metrics
def load_rgb(path) -> np.ndarray:
    """HxWx3 uint8 (grayscale expanded to RGB)."""
    return np.asarray(Image.open(path).convert("RGB"))


def modcrop(img: np.ndarray, m: int = 4) -> np.ndarray:
    h, w = img.shape[:2]
    return img[: h - h % m, : w - w % m]


def bicubic_down(hr_u8: np.ndarray, scale: int = 4) -> np.ndarray:
    return to_uint8(imresize(hr_u8.astype(np.float64), 1.0 / scale))


def rgb_to_y(img_u8: np.ndarray) -> np.ndarray:
    """BT.601 luma on 8-bit RGB, Y in [16, 235] (MATLAB rgb2ycbcr)."""
    x = img_u8.astype(np.float64) / 255.0
    return 16.0 + 65.481 * x[..., 0] + 128.553 * x[..., 1] + 24.966 * x[..., 2]


def psnr_y(sr_u8: np.ndarray, hr_u8: np.ndarray, shave: int = 4) -> float:
    a = rgb_to_y(sr_u8)[shave:-shave, shave:-shave]
    b = rgb_to_y(hr_u8)[shave:-shave, shave:-shave]
    mse = np.mean((a - b) ** 2)
    return float(10.0 * np.log10(255.0 ** 2 / mse))


def hf_energy(img_u8: np.ndarray, shave: int = 4) -> float:
    """Mean |Laplacian| of luma: a crude sharpness / texture-energy measure."""
    y = rgb_to_y(img_u8)
    lap = 4 * y[1:-1, 1:-1] - y[:-2, 1:-1] - y[2:, 1:-1] - y[1:-1, :-2] - y[1:-1, 2:]
    return float(np.mean(np.abs(lap[shave:-shave, shave:-shave])))


def to_tensor(img_u8: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(img_u8.transpose(2, 0, 1))).float().div(255.0)[None]


def to_u8(t: torch.Tensor) -> np.ndarray:
    x = t[0].clamp(0, 1).mul(255.0).round().byte().numpy()
    return x.transpose(1, 2, 0)


def load_benchmark(folder: Path):
    """[(name, hr_u8, lr_u8)] with HR modcropped to 4 and LR = MATLAB bicubic /4, 8-bit."""
    out = []
    for p in sorted(folder.glob("*.png")):
        hr = modcrop(load_rgb(p), 4)
        out.append((p.stem, hr, bicubic_down(hr)))
    return out


@torch.no_grad()
def evaluate(model: nn.Module, bench) -> dict:
    model.eval()
    psnrs = {}
    for name, hr, lr in bench:
        sr = to_u8(model(to_tensor(lr)))
        psnrs[name] = psnr_y(sr, hr)
    model.train()
    return {"psnr_y": float(np.mean(list(psnrs.values()))), "per_image": psnrs}


# ---------------------------------------------------------------- run plumbing
def seed_everything(seed: int):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class RunLog:
    """Appends JSON lines (settings first, then metrics) to runs/<run>/log.jsonl."""

    def __init__(self, run_dir: Path):
        self.path = run_dir / "log.jsonl"
        run_dir.mkdir(parents=True, exist_ok=True)

    def write(self, kind: str, **data):
        rec = {"kind": kind, "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **data}
        with open(self.path, "a") as f:
            f.write(json.dumps(rec) + "\n")
        print(json.dumps(rec), flush=True)


def atomic_save(obj, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / ("tmp-" + path.name)
    torch.save(obj, tmp)
    os.replace(tmp, path)


class PatchSampler:
    """Random aligned LR/HR crops from the cached BSDS400 arrays with 8-fold dihedral augmentation."""

    def __init__(self, lr: np.ndarray, hr: np.ndarray, lr_patch: int, rng: np.random.Generator):
        self.lr, self.hr, self.p, self.rng = lr, hr, lr_patch, rng

    def batch(self, n: int):
        p, s = self.p, 4
        lrs, hrs = [], []
        for _ in range(n):
            i = self.rng.integers(len(self.lr))
            lr_img, hr_img = self.lr[i], self.hr[i]
            y = self.rng.integers(lr_img.shape[0] - p + 1)
            x = self.rng.integers(lr_img.shape[1] - p + 1)
            a = lr_img[y: y + p, x: x + p]
            b = hr_img[y * s: (y + p) * s, x * s: (x + p) * s]
            a, b = flip8(a, b, int(self.rng.integers(8)))
            lrs.append(a)
            hrs.append(b)
        lr_t = torch.from_numpy(np.ascontiguousarray(np.stack(lrs).transpose(0, 3, 1, 2))).float().div(255.0)
        hr_t = torch.from_numpy(np.ascontiguousarray(np.stack(hrs).transpose(0, 3, 1, 2))).float().div(255.0)
        return lr_t, hr_t


def load_cache():
    d = np.load(CACHE / "bsds400_x4.npz")
    return d["lr"], d["hr"]


def lr_at(step, a):
    """Learning rate at `step`: linear warm-up over a["warmup"] steps, then cosine from a["lr"]
    down to a["lr_min"] at a["steps"]."""
    if step < a["warmup"]:
        return a["lr"] * (step + 1) / a["warmup"]
    t = min(1.0, (step - a["warmup"]) / max(1, a["steps"] - a["warmup"]))
    return a["lr_min"] + 0.5 * (a["lr"] - a["lr_min"]) * (1 + math.cos(math.pi * t))


def flip8(a, b, k):
    """One of the 8 flips/rotations (k in 0..7) applied alike to an LR and an HR patch (HWC)."""
    if k & 1:
        a, b = a[:, ::-1], b[:, ::-1]
    if k & 2:
        a, b = a[::-1], b[::-1]
    if k & 4:
        a, b = a.transpose(1, 0, 2), b.transpose(1, 0, 2)
    return a, b


def l1_step(model, ema_params, params, opt, sampler, step, a):
    """One L1 training step at `step` (learning rate from ``lr_at``, batch of a["batch"] patches),
    then the EMA update of `ema_params` towards `params` (decay min(a["ema"], (1+step)/(10+step)));
    returns the batch loss."""
    for g in opt.param_groups:
        g["lr"] = lr_at(step, a)
    lr_t, hr_t = sampler.batch(a["batch"])
    loss = F.l1_loss(model(lr_t), hr_t)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    with torch.no_grad():
        d = min(a["ema"], (1 + step) / (10 + step))
        torch._foreach_mul_(ema_params, d)
        torch._foreach_add_(ema_params, params, alpha=1 - d)
    return loss.item()


def load_or_start(ckpt_path, resume, defaults, given):
    """The run's settings and checkpoint state: on `resume` the checkpoint's settings under the
    ones given now, else the defaults under the given ones (refusing to overwrite a checkpoint)."""
    if resume:
        state = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        return {**defaults, **state["args"], **given}, state
    if Path(ckpt_path).exists():
        raise SystemExit(f"{ckpt_path} exists; use --resume or a new --run")
    return {**defaults, **given}, None


def figure(cols, image, crops, path, labels=None):
    """A comparison figure: one column per name in `cols` (headed by it), one row per crop
    (name, y, x, size) of `image(col, name)` (HxWx3 uint8), each crop shown at 240x240 (nearest).
    `labels` (one per row) are written over the first column's tiles."""
    tile, pad, head = 240, 4, 18
    img = Image.new("RGB", (len(cols) * (tile + pad) + pad, len(crops) * (tile + pad) + pad + head), "white")
    dr = ImageDraw.Draw(img)
    for j, c in enumerate(cols):
        dr.text((pad + j * (tile + pad) + 4, 3), c, fill="black")
    for i, (name, y, x, s) in enumerate(crops):
        top = head + pad + i * (tile + pad)
        for j, c in enumerate(cols):
            crop = Image.fromarray(image(c, name)[y: y + s, x: x + s]).resize((tile, tile), Image.NEAREST)
            img.paste(crop, (pad + j * (tile + pad), top))
        if labels:
            w = int(dr.textlength(labels[i])) + 6
            dr.rectangle((pad, top, pad + w, top + 14), fill="white")
            dr.text((pad + 3, top + 1), labels[i], fill="black")
    img.save(path, optimize=True)
