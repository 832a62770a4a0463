"""Stage 2: GAN fine-tuning (ESRGAN RaGAN) of the generator from the PSNR weights.

  nice -n 19 python Models/training/train_gan.py --run gan-nf32nb8 \
      --init Models/training/runs/psnr-nf32nb8/checkpoints/best.pt          # fresh
  nice -n 19 python Models/training/train_gan.py --run gan-nf32nb8 --resume # continue

Generator loss = w_pix*L1 + w_rf*randfeat-L1 + w_tex*randfeat-Gram + w_fft*FFT-amplitude
                 + w_fm*D-feature-matching + w_adv*RaGAN.  Discriminator: RaGAN BCE.
Logs to runs/<run>/log.jsonl; checkpoints runs/<run>/checkpoints/latest.pt (G, EMA(G), D,
both Adams, step, RNG). SIGTERM/SIGINT save a checkpoint before exiting.
"""
import argparse
import signal
import time

import numpy as np
import torch
import torch.nn.functional as F

from common import RUNS, SET5, MSRResNet, PatchSampler, RunLog, atomic_save, hf_energy, psnr_y
from common import load_benchmark, load_cache, seed_everything, to_tensor, to_u8
from gan_parts import Discriminator, RandomFeatures, fft_amplitude_loss, ragan_losses, random_feature_loss

DEFAULTS = dict(lr_patch=24, batch=8, steps=2000, lr_g=2e-4, lr_d=2e-4, d_nf=16, d_sn=0, ema=0.98,
                w_pix=0.1, w_rf=0.5, w_tex=1.0, w_fft=0.5, w_fm=0.5, w_adv=0.02,
                val_every=100, log_every=10, ckpt_minutes=4.0, seed=4321, threads=1, max_minutes=0.0)


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True)
    ap.add_argument("--init", help="PSNR checkpoint (best.pt or latest.pt) to start from")
    ap.add_argument("--resume", action="store_true")
    for k, v in DEFAULTS.items():
        ap.add_argument("--" + k.replace("_", "-"), type=type(v), default=None)
    return ap.parse_args()


@torch.no_grad()
def validate(model, bench):
    """Set5 PSNR-Y and mean hf_energy(SR)/hf_energy(HR) (1.0 = HR-like texture energy)."""
    model.eval()
    ps, hf = [], []
    for _, hr, lr in bench:
        sr = to_u8(model(to_tensor(lr)))
        ps.append(psnr_y(sr, hr))
        hf.append(hf_energy(sr) / hf_energy(hr))
    model.train()
    return {"set5_psnr_y_ema": float(np.mean(ps)), "set5_hf_ratio_ema": float(np.mean(hf))}


def main():
    ns = parse()
    run_dir = RUNS / ns.run
    ckpt_path = run_dir / "checkpoints/latest.pt"
    given = {k: getattr(ns, k) for k in DEFAULTS if getattr(ns, k) is not None}
    state = torch.load(ckpt_path, map_location="cpu", weights_only=False) if ns.resume else None
    if state is not None:
        a = {**DEFAULTS, **state["args"], **given}
    else:
        if ckpt_path.exists():
            raise SystemExit(f"{ckpt_path} exists; use --resume or a new --run")
        if not ns.init:
            raise SystemExit("--init PSNR checkpoint required for a fresh GAN run")
        init = torch.load(ns.init, map_location="cpu", weights_only=False)
        a = {**DEFAULTS, **given, "init": ns.init, "nf": init["args"]["nf"], "nb": init["args"]["nb"],
             "init_step": init["step"]}
    torch.set_num_threads(a["threads"])
    seed_everything(a["seed"])
    rng = np.random.default_rng(a["seed"])

    g, g_ema = MSRResNet(a["nf"], a["nb"]), MSRResNet(a["nf"], a["nb"])
    d = Discriminator(a["d_nf"], 4 * a["lr_patch"], spectral=bool(a.get("d_sn", 1)))
    g_ema.requires_grad_(False)
    opt_g = torch.optim.Adam(g.parameters(), lr=a["lr_g"], betas=(0.9, 0.99))
    opt_d = torch.optim.Adam(d.parameters(), lr=a["lr_d"], betas=(0.9, 0.99))
    step, wall = 0, 0.0
    if state is None:
        g.load_state_dict(init["ema"])
        g_ema.load_state_dict(init["ema"])
    else:
        g.load_state_dict(state["g"])
        g_ema.load_state_dict(state["g_ema"])
        d.load_state_dict(state["d"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        step, wall = state["step"], state["wall_s"]
        rng.bit_generator.state = state["np_rng"]
        torch.set_rng_state(state["torch_rng"])
    rf = RandomFeatures()

    log = RunLog(run_dir)
    log.write("settings", stage="gan", resumed_at=step if state else None, args=a, torch=torch.__version__,
              threads=torch.get_num_threads(), d_params=sum(p.numel() for p in d.parameters()))
    sampler = PatchSampler(*load_cache(), a["lr_patch"], rng)
    set5 = load_benchmark(SET5)
    if state is None:
        log.write("val", step=0, **validate(g_ema, set5))

    def save():
        atomic_save({"step": step, "g": g.state_dict(), "g_ema": g_ema.state_dict(), "d": d.state_dict(),
                     "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(), "args": a, "wall_s": wall,
                     "np_rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state()}, ckpt_path)

    stop = [False]
    signal.signal(signal.SIGTERM, lambda s, f: stop.__setitem__(0, True))
    signal.signal(signal.SIGINT, lambda s, f: stop.__setitem__(0, True))
    t_start = t_ckpt = t_win = time.time()
    wall0, acc = wall, {}
    while step < a["steps"] and not stop[0]:
        lr_t, hr_t = sampler.batch(a["batch"])
        sr = g(lr_t)
        # discriminator step first; its real-branch logits/features are reused (detached) by G
        d.requires_grad_(True)
        d_real, f_real = d(hr_t)
        d_fake_det, _ = d(sr.detach())
        loss_d = ragan_losses(d_real, d_fake_det, for_generator=False)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        d_real, f_real = d_real.detach(), [f.detach() for f in f_real]

        d.requires_grad_(False)
        d_fake, f_fake = d(sr)
        terms = {"pix": F.l1_loss(sr, hr_t), "fft": fft_amplitude_loss(sr, hr_t),
                 "fm": sum(F.l1_loss(x, y) for x, y in zip(f_fake, f_real)) / len(f_fake),
                 "adv": ragan_losses(d_real, d_fake, for_generator=True)}
        terms["rf"], terms["tex"] = random_feature_loss(rf, sr, hr_t)
        loss_g = sum(a["w_" + k] * v for k, v in terms.items())
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        with torch.no_grad():
            for pe, pm in zip(g_ema.parameters(), g.parameters()):
                pe.mul_(a["ema"]).add_(pm, alpha=1 - a["ema"])
        step += 1
        wall = wall0 + time.time() - t_start
        terms.update(g_total=loss_g.detach(), d=loss_d.detach(), d_real=d_real.mean(), d_fake=d_fake.detach().mean())
        for k, v in terms.items():
            acc.setdefault(k, []).append(v.item())
        if step % a["log_every"] == 0:
            n = len(acc["d"])
            log.write("train", step=step, **{k: float(np.mean(v)) for k, v in acc.items()},
                      s_per_step=(time.time() - t_win) / n, wall_s=round(wall, 1))
            acc, t_win = {}, time.time()
        if step % a["val_every"] == 0 or step == a["steps"]:
            log.write("val", step=step, **validate(g_ema, set5), wall_s=round(wall, 1))
        if time.time() - t_ckpt > 60 * a["ckpt_minutes"]:
            save()
            t_ckpt = time.time()
        if a["max_minutes"] and (time.time() - t_start) > 60 * a["max_minutes"]:
            break
    save()
    log.write("stopped", step=step, wall_s=round(wall, 1), signal=stop[0])


if __name__ == "__main__":
    main()
