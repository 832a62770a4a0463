"""Stage 3: evaluate exported models on Set5/Set14 x4 and draw the comparison figure.

  nice -n 19 python Models/training/evaluate.py                 # defaults below
  nice -n 19 python Models/training/evaluate.py --psnr A.safetensors --gan B.safetensors

Protocol: HR modcrop 4; LR = MATLAB bicubic /4 rounded to 8 bit; SR rounded to 8 bit;
PSNR/SSIM on BT.601 Y, 4-pixel border shaved. "HF ratio" = mean |Laplacian(Y)| of SR over
that of HR (1.0 = as much fine texture energy as the ground truth; blur < 1).
Methods: bicubic (MATLAB imresize x4), PSNR net, weight blends alpha in {0.25, 0.5, 0.75}
(theta = (1-alpha) theta_PSNR + alpha theta_GAN), GAN net.
Writes Models/training/eval/results.{json,md} and Models/<name>-comparison.png.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from common import SET5, SET14, figure, hf_energy, load_benchmark, psnr_y, rgb_to_y, to_tensor, to_u8
from export import model_from_safetensors
from imresize import imresize, to_uint8

MODELS = Path(__file__).resolve().parents[1]


def ssim_y(sr_u8, hr_u8, shave=4):
    """SSIM (Wang et al. 2004: 11x11 Gaussian, sigma 1.5, K1 .01, K2 .03) on Y in [0,255]."""
    a = torch.from_numpy(rgb_to_y(sr_u8)[shave:-shave, shave:-shave])[None, None]
    b = torch.from_numpy(rgb_to_y(hr_u8)[shave:-shave, shave:-shave])[None, None]
    g = torch.exp(-((torch.arange(11, dtype=torch.float64) - 5) ** 2) / (2 * 1.5 ** 2))
    g = g / g.sum()
    w = (g[:, None] * g[None, :])[None, None]
    f = lambda x: F.conv2d(x, w)
    mu_a, mu_b = f(a), f(b)
    s_aa, s_bb, s_ab = f(a * a) - mu_a ** 2, f(b * b) - mu_b ** 2, f(a * b) - mu_a * mu_b
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    m = ((2 * mu_a * mu_b + c1) * (2 * s_ab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (s_aa + s_bb + c2))
    return float(m.mean())


def blend(m_psnr, m_gan, alpha):
    m = model_from_safetensors_like(m_psnr)
    sp, sg = m_psnr.state_dict(), m_gan.state_dict()
    m.load_state_dict({k: (1 - alpha) * sp[k] + alpha * sg[k] for k in sp})
    return m.eval()


def model_from_safetensors_like(m):
    return type(m)(m.nf, m.nb)


def methods(psnr_path, gan_path):
    mp, mg = model_from_safetensors(psnr_path), model_from_safetensors(gan_path)
    net = lambda m: (lambda lr: to_u8(m(to_tensor(lr))))
    bic = lambda lr: to_uint8(imresize(lr.astype(np.float64), 4, antialias=False))
    out = [("bicubic", bic), ("PSNR", net(mp))]
    out += [(f"blend {a}", net(blend(mp, mg, a))) for a in (0.25, 0.5, 0.75)]
    out.append(("GAN", net(mg)))
    return out


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--psnr", default=str(MODELS / "enhance-x4-psnr.safetensors"))
    ap.add_argument("--gan", default=str(MODELS / "enhance-x4-gan.safetensors"))
    ap.add_argument("--figure", default=str(MODELS / "enhance-x4-comparison.png"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    benches = {"Set5": load_benchmark(SET5), "Set14": load_benchmark(SET14)}
    results, outs, hrs = {}, {}, {}
    for mname, fn in methods(a.psnr, a.gan):
        for bname, bench in benches.items():
            rows = []
            for name, hr, lr in bench:
                sr = fn(lr)
                outs.setdefault(mname, {})[name] = sr
                hrs[name] = hr
                rows.append((psnr_y(sr, hr), ssim_y(sr, hr), hf_energy(sr) / hf_energy(hr)))
            r = np.mean(rows, axis=0)
            results.setdefault(mname, {})[bname] = {"psnr_y": r[0], "ssim_y": r[1], "hf_ratio": r[2]}
            print(f"{mname:12s} {bname:6s} PSNR-Y {r[0]:.2f}  SSIM-Y {r[1]:.4f}  HF {r[2]:.3f}", flush=True)
    ev = Path(__file__).resolve().parent / "eval"
    ev.mkdir(exist_ok=True)
    json.dump({"psnr_model": a.psnr, "gan_model": a.gan, "results": results}, open(ev / "results.json", "w"), indent=1)
    lines = ["| method | Set5 PSNR-Y | Set5 SSIM-Y | Set5 HF ratio | Set14 PSNR-Y | Set14 SSIM-Y | Set14 HF ratio |",
             "|---|---|---|---|---|---|---|"]
    for m, r in results.items():
        s5, s14 = r["Set5"], r["Set14"]
        lines.append(f"| {m} | {s5['psnr_y']:.2f} | {s5['ssim_y']:.4f} | {s5['hf_ratio']:.3f} | "
                     f"{s14['psnr_y']:.2f} | {s14['ssim_y']:.4f} | {s14['hf_ratio']:.3f} |")
    (ev / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    crops = [("baboon", 40, 300, 120), ("butterfly", 60, 80, 120), ("woman", 40, 80, 120)]
    cols = ["bicubic", "PSNR", "blend 0.5", "GAN", "HR"]
    figure(cols, lambda c, name: hrs[name] if c == "HR" else outs[c][name], crops, a.figure)
    print("figure", a.figure)


if __name__ == "__main__":
    main()
