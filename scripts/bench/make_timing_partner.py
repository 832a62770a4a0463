#!/usr/bin/env python3
"""Write a timing partner for RealESRGAN_x4plus (ncnn .param/.bin): an RRDBNet-23 "GAN end" of
the same architecture, so `enhance bench --tui-latency` and the TUI can blend an ESRGAN-size pair
until a real PSNR/GAN pair ships in Models/.

FOR TIMING ONLY: the partner is not a trained network. Every weight and bias of every
Convolution layer is multiplied by (1 + 0.05 * u), u uniform in [-1, 1] drawn from numpy's
PCG64 generator seeded with 13, in file order. The same input always gives byte-identical
output. Blends with RealESRGAN_x4plus then cost exactly what a real RRDBNet-23 pair costs, and
the pictures stay close to RealESRGAN's (the blend is a small perturbation of it).

Usage:
    python3 scripts/bench/make_timing_partner.py \
        [--src ../shared/weights/realesrgan-x4plus-ncnn/realesrgan-x4plus] \
        [--out .build/timing-partner/realesrgan-x4plus-partner]

writes OUT.param (a copy of SRC.param) and OUT.bin, and prints their SHA-256.
ncnn .bin layout (as EnhanceCheckpoints/NCNNModelBin reads it): per Convolution, the weights as a
tagged array (uint32 tag 0x01306B47 then fp16 values, padded to 4 bytes), then, with bias_term
(5=1), num_output (0=) untagged fp32 biases. Other layers of this graph hold no weights.
"""
import argparse
import hashlib
import os
import shutil
import sys

import numpy as np

FP16_TAG = 0x01306B47


def conv_layers(param_path):
    """(name, num_output, bias_term, weight_count) of each Convolution, in file order."""
    out = []
    with open(param_path) as f:
        lines = f.read().split("\n")
    if lines[0].strip() != "7767517":
        sys.exit(f"{param_path}: not an ncnn param file (magic {lines[0]!r})")
    for line in lines[2:]:
        parts = line.split()
        if not parts:
            continue
        kind, name = parts[0], parts[1]
        n_in, n_out = int(parts[2]), int(parts[3])
        params = dict(p.split("=", 1) for p in parts[4 + n_in + n_out:])
        if kind == "Convolution":
            out.append((name, int(params.get("0", 0)), int(params.get("5", 0)), int(params.get("6", 0))))
        elif kind not in ("Input", "Split", "Concat", "Eltwise", "BinaryOp", "Interp"):
            sys.exit(f"{param_path}: layer {kind} {name} is not handled by this script")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default="../shared/weights/realesrgan-x4plus-ncnn/realesrgan-x4plus")
    ap.add_argument("--out", default=".build/timing-partner/realesrgan-x4plus-partner")
    ap.add_argument("--scale", type=float, default=0.05, help="relative size of the perturbation")
    args = ap.parse_args()
    data = open(args.src + ".bin", "rb").read()
    rng = np.random.Generator(np.random.PCG64(13))
    out = bytearray()
    pos = 0
    for name, n_out, bias, count in conv_layers(args.src + ".param"):
        tag = int.from_bytes(data[pos:pos + 4], "little")
        if tag != FP16_TAG:
            sys.exit(f"{name}: weight tag {tag:#010x} at offset {pos}, expected fp16 {FP16_TAG:#010x}")
        out += data[pos:pos + 4]
        pos += 4
        w = np.frombuffer(data, dtype="<f2", count=count, offset=pos).astype(np.float32)
        w *= 1 + args.scale * rng.uniform(-1, 1, count).astype(np.float32)
        out += w.astype("<f2").tobytes()
        padded = (count * 2 + 3) // 4 * 4
        out += data[pos + count * 2:pos + padded]
        pos += padded
        if bias:
            b = np.frombuffer(data, dtype="<f4", count=n_out, offset=pos).copy()
            b *= 1 + args.scale * rng.uniform(-1, 1, n_out).astype(np.float32)
            out += b.astype("<f4").tobytes()
            pos += 4 * n_out
    if pos != len(data):
        sys.exit(f"{args.src}.bin: {len(data) - pos} bytes left after the last layer")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    shutil.copyfile(args.src + ".param", args.out + ".param")
    with open(args.out + ".bin", "wb") as f:
        f.write(out)
    for ext in (".param", ".bin"):
        digest = hashlib.sha256(open(args.out + ext, "rb").read()).hexdigest()
        print(f"{digest}  {args.out}{ext}")


if __name__ == "__main__":
    main()
