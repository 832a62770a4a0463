"""Exports an end of the RRDB pair to safetensors (BasicSR RRDBNet keys; fp16 weights, fp32 biases).

  python Models/training/export_rrdb.py --stage gan  --out enhance-rrdb-x4-gan.safetensors    # from ncnn
  python Models/training/export_rrdb.py --stage psnr --ckpt /work/cache/rrdb-psnr/best.pt \
      --out enhance-rrdb-x4-psnr.safetensors

The GAN end is RealESRGAN_x4plus read from its ncnn files (rrdb.py): its weights are fp16 there
and its biases fp32, so storing them so is lossless. The partner's EMA weights are rounded to
fp16 (biases kept fp32). After writing, the file is re-read and its output compared with the
source model's on a seeded random input (the difference is printed and logged).
"""
import argparse

import torch
from safetensors.torch import load_file, save_file

from common import RUNS, RunLog
from rrdb import load_ncnn_rrdb, rrdb_from_state_dict, rrdb_macs_per_input_pixel
from train_rrdb_psnr import NCNN


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stage", required=True, choices=["psnr", "gan"])
    ap.add_argument("--ckpt", help="partner checkpoint (its 'ema' weights); the GAN end comes from --ncnn")
    ap.add_argument("--ncnn", default=str(NCNN))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.stage == "gan":
        src, step, origin = load_ncnn_rrdb(a.ncnn), "0", "RealESRGAN_x4plus (ncnn fp16), BSD-3-Clause"
    else:
        if not a.ckpt:
            raise SystemExit("--stage psnr needs --ckpt")
        ck = torch.load(a.ckpt, map_location="cpu", weights_only=False)
        src, step = ck["ema"], str(ck["step"])
        origin = "fine-tuned from RealESRGAN_x4plus (BSD-3-Clause) on BSDS400 (research use)"
    sd = {k: (v.half() if k.endswith(".weight") else v.float()).contiguous() for k, v in src.items()}
    meta = {"arch": "RRDBNet", "num_feat": "64", "num_grow_ch": "32", "num_block": "23", "scale": "4",
            "num_in_ch": "3", "num_out_ch": "3", "stage": a.stage, "train_step": step,
            "macs_per_input_pixel": str(rrdb_macs_per_input_pixel()), "dtype": "weights F16, biases F32",
            "input": "RGB float in [0,1], NCHW", "origin": origin}
    save_file(sd, a.out, metadata=meta)
    x = torch.rand(1, 3, 16, 20, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        back = rrdb_from_state_dict({k: v.float() for k, v in load_file(a.out).items()})(x)
        ref = rrdb_from_state_dict({k: v.float() for k, v in src.items()})(x)
    diff = (back - ref).abs().max().item()
    RunLog(RUNS / "export").write("exported", out=a.out, stage=a.stage, ckpt=a.ckpt, metadata=meta,
                                  reload_max_abs_diff=diff)


if __name__ == "__main__":
    main()
