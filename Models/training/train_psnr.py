"""Stage 1: PSNR-oriented training of the MSRResNet generator (L1 loss).

  nice -n 19 python Models/training/train_psnr.py --run psnr-nf32nb8            # fresh
  nice -n 19 python Models/training/train_psnr.py --run psnr-nf32nb8 --resume   # continue
  (--steps N on resume extends the cosine schedule to N total steps)

Writes runs/<run>/log.jsonl (settings, train metrics, Set5 validation) and
runs/<run>/checkpoints/{latest,best}.pt (model + EMA + Adam + step + RNG states).
SIGTERM/SIGINT save a checkpoint before exiting.

Threads default to 1: on the shared 2-core machine two intra-op threads spin-wait on each
other (measured under load: 10 s/step with 2 threads vs 2.2 s/step with 1).
"""
import argparse
import signal
import time

import numpy as np
import torch

from common import RUNS, SET5, MSRResNet, PatchSampler, RunLog, atomic_save, evaluate, load_benchmark, load_cache
from common import l1_step, load_or_start, lr_at, macs_per_input_pixel, seed_everything

DEFAULTS = dict(nf=32, nb=8, lr_patch=24, batch=16, steps=1400, lr=8e-4, lr_min=1e-6, warmup=100,
                ema=0.995, val_every=250, log_every=25, ckpt_minutes=4.0, seed=1234, threads=1,
                max_minutes=0.0)


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True)
    ap.add_argument("--resume", action="store_true")
    for k, v in DEFAULTS.items():
        ap.add_argument("--" + k.replace("_", "-"), type=type(v), default=None)
    return ap.parse_args()


def main():
    ns = parse()
    run_dir = RUNS / ns.run
    ckpt_path = run_dir / "checkpoints/latest.pt"
    given = {k: getattr(ns, k) for k in DEFAULTS if getattr(ns, k) is not None}
    a, state = load_or_start(ckpt_path, ns.resume, DEFAULTS, given)
    torch.set_num_threads(a["threads"])
    seed_everything(a["seed"])
    rng = np.random.default_rng(a["seed"])

    model = MSRResNet(a["nf"], a["nb"])
    ema = MSRResNet(a["nf"], a["nb"])
    ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    opt = torch.optim.Adam(model.parameters(), lr=a["lr"], betas=(0.9, 0.99))
    step, best, wall = 0, -1.0, 0.0
    if state is not None:
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        step, best, wall = state["step"], state["best"], state["wall_s"]
        rng.bit_generator.state = state["np_rng"]
        torch.set_rng_state(state["torch_rng"])

    log = RunLog(run_dir)
    log.write("settings", stage="psnr", resumed_at=step if state else None, args=a,
              params=sum(p.numel() for p in model.parameters()),
              macs_per_lr_pixel=macs_per_input_pixel(a["nf"], a["nb"]), torch=torch.__version__,
              threads=torch.get_num_threads())
    lr_np, hr_np = load_cache()
    sampler = PatchSampler(lr_np, hr_np, a["lr_patch"], rng)
    set5 = load_benchmark(SET5)

    def save(path):
        atomic_save({"step": step, "model": model.state_dict(), "ema": ema.state_dict(),
                     "opt": opt.state_dict(), "args": a, "best": best, "wall_s": wall,
                     "np_rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state()}, path)

    stop = [False]

    def on_signal(sig, frame):
        stop[0] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t_start, t_ckpt = time.time(), time.time()
    wall0 = wall
    losses, t_win = [], time.time()
    params, ema_params = list(model.parameters()), list(ema.parameters())
    while step < a["steps"] and not stop[0]:
        losses.append(l1_step(model, ema_params, params, opt, sampler, step, a))
        step += 1
        wall = wall0 + time.time() - t_start
        if step % a["log_every"] == 0:
            log.write("train", step=step, l1=float(np.mean(losses)), lr=lr_at(step - 1, a),
                      s_per_step=(time.time() - t_win) / len(losses), wall_s=round(wall, 1))
            losses, t_win = [], time.time()
        if step % a["val_every"] == 0 or step == a["steps"]:
            rm, re = evaluate(model, set5), evaluate(ema, set5)
            if re["psnr_y"] > best:
                best = re["psnr_y"]
                atomic_save({"step": step, "ema": ema.state_dict(), "args": a, "set5_psnr_y": best},
                            run_dir / "checkpoints/best.pt")
            log.write("val", step=step, set5_psnr_y=rm["psnr_y"], set5_psnr_y_ema=re["psnr_y"],
                      per_image_ema=re["per_image"], best_ema=best, wall_s=round(wall, 1))
        if time.time() - t_ckpt > 60 * a["ckpt_minutes"]:
            save(ckpt_path)
            t_ckpt = time.time()
        if a["max_minutes"] and (time.time() - t_start) > 60 * a["max_minutes"]:
            break
    save(ckpt_path)
    log.write("stopped", step=step, best_ema=best, wall_s=round(wall, 1), signal=stop[0])


if __name__ == "__main__":
    main()
