"""PSNR-oriented fine-tune of RRDBNet-23 from RealESRGAN_x4plus: the partner of the RRDB pair.

  nice -n 19 python Models/training/train_rrdb_psnr.py --run rrdb-psnr            # fresh
  nice -n 19 python Models/training/train_rrdb_psnr.py --run rrdb-psnr --resume   # continue
  (--steps N on resume extends the cosine schedule to N total steps)

Initialisation: RealESRGAN_x4plus (BSD-3-Clause), read from its ncnn fp16 files (rrdb.py).
Data: BSDS400 (prepare_data.py cache); each sample is clean MATLAB bicubic /4 with probability
0.5, else the mild blur/noise/JPEG chain of degrade.py (TRAIN_MIX). Loss: L1 only.
Checkpoints (model + EMA + Adam + step + RNG states, ~270 MB) go OUTSIDE git, to
--ckpt-dir (default $ENHANCE_CACHE/<run>); settings and metrics to runs/<run>/log.jsonl.
SIGTERM/SIGINT save a checkpoint before exiting; SIGSTOP/SIGCONT are harmless (the log
records CPU seconds per step next to wall seconds).
"""
import argparse
import hashlib
import random
import signal
import time
from pathlib import Path

import numpy as np
import torch

from common import CACHE, RUNS, SET5, RunLog, atomic_save, evaluate, flip8, load_benchmark, load_cache, lr_at
from common import l1_step, load_or_start, seed_everything
from degrade import TRAIN_MIX, random_mild
from rrdb import RRDBNet, load_ncnn_rrdb, rrdb_macs_per_input_pixel

NCNN = Path(__file__).resolve().parents[3] / "shared/weights/realesrgan-x4plus-ncnn/realesrgan-x4plus.param"
DEFAULTS = dict(lr_patch=32, batch=4, steps=20000, lr=1e-4, lr_min=1e-6, warmup=100, ema=0.999,
                val_every=250, log_every=10, ckpt_minutes=15.0, seed=2024, threads=1, max_minutes=0.0,
                margin=4, init=str(NCNN), ckpt_dir="")


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--no-val0", action="store_true", help="skip the step-0 validation of a fresh run")
    ap.add_argument("--stop-after", type=int, default=0, help="stop after this many steps in this process")
    for k, v in DEFAULTS.items():
        ap.add_argument("--" + k.replace("_", "-"), type=type(v), default=None)
    return ap.parse_args()


class MixedSampler:
    """Aligned LR/HR patches: clean cached bicubic LR (p_clean) or the mild chain on an HR crop.

    The mild chain runs on an HR crop `margin` LR pixels larger on every side, so that blur and
    JPEG see real context; the centre is kept. Then one of the 8 flips/rotations.
    """

    def __init__(self, lr, hr, a, rng):
        self.lr, self.hr, self.p, self.m, self.rng = lr, hr, a["lr_patch"], a["margin"], rng

    def sample(self):
        p, m, s, rng = self.p, self.m, 4, self.rng
        i = int(rng.integers(len(self.lr)))
        h, w = self.lr[i].shape[:2]
        y, x = int(rng.integers(m, h - p - m + 1)), int(rng.integers(m, w - p - m + 1))
        hr = self.hr[i][y * s: (y + p) * s, x * s: (x + p) * s]
        if rng.random() < TRAIN_MIX["p_clean"]:
            lr = self.lr[i][y: y + p, x: x + p]
        else:
            big = self.hr[i][(y - m) * s: (y + p + m) * s, (x - m) * s: (x + p + m) * s]
            lr = random_mild(big, rng)[0][m: m + p, m: m + p]
        return flip8(lr, hr, int(rng.integers(8)))

    def batch(self, n):
        pairs = [self.sample() for _ in range(n)]
        t = lambda xs: torch.from_numpy(np.ascontiguousarray(np.stack(xs).transpose(0, 3, 1, 2))).float().div(255.0)
        return t([a for a, _ in pairs]), t([b for _, b in pairs])


def main():
    ns = parse()
    run_dir = RUNS / ns.run
    given = {k: getattr(ns, k) for k in DEFAULTS if getattr(ns, k) is not None}
    ckpt_dir = Path(given.get("ckpt_dir") or CACHE / ns.run)
    ckpt_path = ckpt_dir / "latest.pt"
    a, state = load_or_start(ckpt_path, ns.resume, DEFAULTS, given)
    a["ckpt_dir"] = str(ckpt_dir)
    torch.set_num_threads(a["threads"])
    seed_everything(a["seed"])
    rng = np.random.default_rng(a["seed"])

    init_sd = load_ncnn_rrdb(a["init"])
    model, ema = RRDBNet(), RRDBNet()
    model.load_state_dict(init_sd)
    ema.load_state_dict(init_sd)
    ema.requires_grad_(False)
    opt = torch.optim.Adam(model.parameters(), lr=a["lr"], betas=(0.9, 0.99))
    step, best, wall, cpu = 0, -1.0, 0.0, 0.0
    if state is not None:
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        step, best, wall, cpu = state["step"], state["best"], state["wall_s"], state.get("cpu_s", 0.0)
        rng.bit_generator.state = state["np_rng"]
        torch.set_rng_state(state["torch_rng"])
        random.setstate(state["py_rng"])

    log = RunLog(run_dir)
    init_bin = Path(a["init"]).with_suffix(".bin")
    log.write("settings", stage="rrdb-psnr", resumed_at=step if state else None, args=a, degradations=TRAIN_MIX,
              loss="L1", init_bin_sha256=hashlib.sha256(init_bin.read_bytes()).hexdigest(),
              params=sum(p.numel() for p in model.parameters()), macs_per_lr_pixel=rrdb_macs_per_input_pixel(),
              torch=torch.__version__, threads=torch.get_num_threads())
    lr_np, hr_np = load_cache()
    sampler = MixedSampler(lr_np, hr_np, a, rng)
    set5 = load_benchmark(SET5)

    def save(path):
        atomic_save({"step": step, "model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                     "args": a, "best": best, "wall_s": wall, "cpu_s": cpu, "np_rng": rng.bit_generator.state,
                     "torch_rng": torch.get_rng_state(), "py_rng": random.getstate()}, path)

    def validate():
        t0 = time.time()
        re = evaluate(ema, set5)
        rm = evaluate(model, set5) if step > 0 else re
        return rm, re, time.time() - t0

    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    signal.signal(signal.SIGINT, lambda *_: stop.__setitem__(0, True))

    if state is None and not ns.no_val0:
        rm, re, secs = validate()
        best = re["psnr_y"]
        log.write("val", step=0, set5_psnr_y=rm["psnr_y"], set5_psnr_y_ema=re["psnr_y"], per_image_ema=re["per_image"],
                  best_ema=best, val_s=round(secs, 1), note="step 0 = RealESRGAN_x4plus as converted")
    t_start, t_ckpt, c_start = time.time(), time.time(), time.process_time()
    wall0, cpu0, steps_here = wall, cpu, 0
    params, ema_params = list(model.parameters()), list(ema.parameters())
    losses, t_win, c_win = [], time.time(), time.process_time()
    while step < a["steps"] and not stop[0]:
        losses.append(l1_step(model, ema_params, params, opt, sampler, step, a))
        step += 1
        steps_here += 1
        wall, cpu = wall0 + time.time() - t_start, cpu0 + time.process_time() - c_start
        if step % a["log_every"] == 0:
            n = len(losses)
            log.write("train", step=step, l1=float(np.mean(losses)), lr=lr_at(step - 1, a),
                      s_per_step=round((time.time() - t_win) / n, 3),
                      cpu_s_per_step=round((time.process_time() - c_win) / n, 3), wall_s=round(wall, 1))
            losses, t_win, c_win = [], time.time(), time.process_time()
        if step % a["val_every"] == 0 or step == a["steps"]:
            rm, re, secs = validate()
            if re["psnr_y"] > best:
                best = re["psnr_y"]
                atomic_save({"step": step, "ema": ema.state_dict(), "args": a, "set5_psnr_y": best},
                            ckpt_dir / "best.pt")
            log.write("val", step=step, set5_psnr_y=rm["psnr_y"], set5_psnr_y_ema=re["psnr_y"],
                      per_image_ema=re["per_image"], best_ema=best, val_s=round(secs, 1), wall_s=round(wall, 1))
        if time.time() - t_ckpt > 60 * a["ckpt_minutes"]:
            save(ckpt_path)
            t_ckpt = time.time()
        if a["max_minutes"] and (time.time() - t_start) > 60 * a["max_minutes"]:
            break
        if ns.stop_after and steps_here >= ns.stop_after:
            break
    save(ckpt_path)
    log.write("stopped", step=step, best_ema=best, wall_s=round(wall, 1), cpu_s=round(cpu, 1), signal=stop[0])


if __name__ == "__main__":
    main()
