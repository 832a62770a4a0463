#!/usr/bin/env python3
"""Writes the ncnn fuzz seeds: u16 LE .param length, .param text, .bin bytes (synthetic graphs
covering fp32/fp16/quantised weights, PReLU, BatchNorm, InnerProduct, depthwise convs)."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "ncnn")
f32 = lambda *v: struct.pack("<%df" % len(v), *v)
tag = lambda t: struct.pack("<I", t)

SEEDS = {
    "prelu_fp32": ("7767517\n4 4\nInput in 0 1 data 0=2 1=2 2=1\n"
                   "Convolution conv 1 1 data c 0=2 1=1 11=1 5=1 6=2\nPReLU act 1 1 c p 0=2\n"
                   "PixelShuffle ps 1 1 p out 0=2 -23301=2,1,-3\n",
                   tag(0) + f32(1.5, -2) + f32(0.25, 0.5) + f32(0.1, 0.2)),
    "dw_bn_fc_fp16": ("7767517\n5 5\nInput in 0 1 data 0=1 1=1 2=2\n"
                      "ConvolutionDepthWise dw 1 1 data d 0=2 1=3 11=1 5=0 6=6 7=2\nBatchNorm bn 1 1 d b 0=2\n"
                      "InnerProduct fc 1 1 b f 0=1 1=1 2=2\nReLU relu 1 1 f out 0=1.000000e-01\n",
                      tag(0) + f32(1, 2, 3, 4, 5, 6) + f32(1, 1, 0, 0, 1, 2, 0, 0) + tag(0x01306B47)
                      + bytes([0x00, 0x3C, 0x00, 0x40]) + f32(0.5)),
    "quantised_split": ("7767517\n3 4\nInput in 0 1 data\nSplit sp 1 2 data a b\n"
                        "Convolution conv 1 1 a out 0=1 1=1 5=0 6=2 9=2 -23310=1,2.000000e-01\n",
                        tag(7) + f32(*[i / 256 for i in range(256)]) + bytes([3, 200, 0, 0])),
}

os.makedirs(OUT, exist_ok=True)
for name, (param, blob) in SEEDS.items():
    p = param.encode()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<H", len(p)) + p + blob)
