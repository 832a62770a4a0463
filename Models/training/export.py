"""Stage 4: export generator weights to safetensors in BasicSR MSRResNet key layout.

  python Models/training/export.py --ckpt Models/training/runs/psnr-nf32nb8/checkpoints/best.pt \
      --stage psnr --out Models/enhance-x4-psnr.safetensors
  python Models/training/export.py --ckpt Models/training/runs/gan-nf32nb8/checkpoints/latest.pt \
      --stage gan --out Models/enhance-x4-gan.safetensors

Keys: conv_first.{weight,bias}, body.N.conv{1,2}.{weight,bias}, upconv1, upconv2, conv_hr,
conv_last (weights OIHW, float32). Metadata records arch, num_feat, num_block, scale and
provenance. After writing, the file is re-read and the rebuilt model is checked against the
checkpoint model on a random input.
"""
import argparse
import re

import torch
from safetensors.torch import load_file, save_file

from common import RUNS, MSRResNet, RunLog, macs_per_input_pixel

KEY = re.compile(r"^(conv_first|upconv1|upconv2|conv_hr|conv_last|body\.\d+\.conv[12])\.(weight|bias)$")


def generator_weights(ckpt: dict) -> dict:
    for k in ("ema", "g_ema"):
        if k in ckpt:
            return ckpt[k]
    raise SystemExit("checkpoint has no 'ema' / 'g_ema' generator weights")


def model_from_safetensors(path) -> MSRResNet:
    sd = load_file(str(path))
    nf = sd["conv_first.weight"].shape[0]
    nb = len({k.split(".")[1] for k in sd if k.startswith("body.")})
    m = MSRResNet(nf, nb)
    m.load_state_dict(sd)
    return m.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--stage", required=True, choices=["psnr", "gan"])
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    ck = torch.load(a.ckpt, map_location="cpu", weights_only=False)
    sd = {k: v.detach().float().contiguous() for k, v in generator_weights(ck).items()}
    bad = [k for k in sd if not KEY.match(k)]
    assert not bad, f"unexpected keys {bad}"
    nf, nb = ck["args"]["nf"], ck["args"]["nb"]
    meta = {"arch": "MSRResNet", "num_feat": str(nf), "num_block": str(nb), "scale": "4",
            "num_in_ch": "3", "num_out_ch": "3", "stage": a.stage, "train_step": str(ck["step"]),
            "macs_per_input_pixel": str(macs_per_input_pixel(nf, nb)),
            "input": "RGB float in [0,1], NCHW", "trained_on": "BSDS400 (research use)",
            "source": "Enhance Models/training (" + a.ckpt.split("Models/")[-1] + ")"}
    save_file(sd, a.out, metadata=meta)

    ref = MSRResNet(nf, nb)
    ref.load_state_dict(sd)
    ref.eval()
    x = torch.rand(1, 3, 17, 23, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        diff = (model_from_safetensors(a.out)(x) - ref(x)).abs().max().item()
    assert diff == 0.0, diff
    RunLog(RUNS / "export").write("exported", out=a.out, ckpt=a.ckpt, tensors=len(sd),
                                  params=sum(v.numel() for v in sd.values()), metadata=meta, reload_max_abs_diff=diff)


if __name__ == "__main__":
    main()
