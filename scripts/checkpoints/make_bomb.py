#!/usr/bin/env python3
"""Writes a checkpoint bomb: a sparse (~6.6 GB apparent, ~4 kB on disk) safetensors file whose
consistent header declares a BasicSR MSRResNet ×4 with 4096 features and one residual block;
every weight is zero (a hole). Standard library only, so tests can run it anywhere.

Usage:  python3 scripts/checkpoints/make_bomb.py OUT.safetensors [--features N] [--blocks N]
"""
import argparse
import json
import struct


def layout(nf, nb):
    convs = [("conv_first", nf, 3)]
    for b in range(nb):
        convs += [(f"body.{b}.conv1", nf, nf), (f"body.{b}.conv2", nf, nf)]
    convs += [("upconv1", 4 * nf, nf), ("upconv2", 4 * nf, nf), ("conv_hr", nf, nf), ("conv_last", 3, nf)]
    for name, out_ch, in_ch in convs:
        yield name + ".weight", [out_ch, in_ch, 3, 3]
        yield name + ".bias", [out_ch]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--features", type=int, default=4096)
    ap.add_argument("--blocks", type=int, default=1)
    args = ap.parse_args()
    header, offset = {}, 0
    for key, shape in layout(args.features, args.blocks):
        n = 4
        for d in shape:
            n *= d
        header[key] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(args.out, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        f.truncate(8 + len(text) + offset)
    print(f"{args.out}: {8 + len(text) + offset} bytes, {offset // 4} parameters")


if __name__ == "__main__":
    main()
