#!/usr/bin/env python3
"""Writes an ncnn checkpoint bomb: OUT.param declaring a Real-ESRGAN-style RRDBNet x4 export with
4096 features (one RRDB, growth 32: 21 Convolution layers with ncnn's fused LeakyReLU 0.2, two
nearest x2 Interp layers, the dense Concat and residual Eltwise/BinaryOp wiring), and OUT.bin, a
sparse file exactly as large as those layers' weights: each conv's weight blob is tagged fp32
(tag 0) and every byte is zero, so the whole ~4.3 GB .bin is one hole. Standard library only.

Usage:  python3 scripts/checkpoints/make_ncnn_bomb.py OUT.param [--features N] [--grow N] [--blocks N]
Prints: OUT.param: <bin bytes> bytes of .bin, <parameters> parameters
"""
import argparse
import os


class Graph:
    def __init__(self):
        self.lines, self.blobs, self.uses, self.bin_bytes, self.parameters = [], 0, {}, 0, 0

    def blob(self):
        self.blobs += 1
        return f"b{self.blobs}"

    def layer(self, kind, name, bottoms, tops, params=""):
        self.lines.append(f"{kind} {name} {len(bottoms)} {len(tops)} {' '.join(bottoms + tops)} {params}".strip())

    def conv(self, name, x, cin, cout, leaky):
        y = self.blob()
        act = " 9=2 -23310=1,2.000000e-01" if leaky else ""
        self.layer("Convolution", name, [x], [y], f"0={cout} 1=3 4=1 5=1 6={cout * cin * 9}{act}")
        self.bin_bytes += 4 + 4 * cout * cin * 9 + 4 * cout   # fp32 tag, weights, bias
        self.parameters += cout * cin * 9 + cout
        return y

    def split(self, x, n):
        tops = [self.blob() for _ in range(n)]
        self.layer("Split", f"split_{x}", [x], tops)
        return tops

    def text(self):
        return "7767517\n" + f"{len(self.lines)} {self.blobs}\n" + "\n".join(self.lines) + "\n"


def rdb(g, name, x, nf, gc):
    """A dense block: conv_c reads concat(x, x1 … x_{c-1}); out = 0.2·x5 + x."""
    pools = [g.split(x, 6)]         # x: conv1, the four concats, the residual
    inputs = pools[0].pop(0)
    for c in range(1, 6):
        y = g.conv(f"{name}_conv{c}", inputs, nf + (c - 1) * gc, nf if c == 5 else gc, leaky=c < 5)
        if c == 5:
            out = g.blob()
            g.layer("Eltwise", f"{name}_add", [y, pools[0].pop(0)], [out], "0=1 -23301=2,2.000000e-01,1.000000e+00")
            return out
        pools.append(g.split(y, 5 - c) if c < 4 else [y])
        inputs = g.blob()
        g.layer("Concat", f"{name}_cat{c + 1}", [p.pop(0) for p in pools], [inputs])


def build(nf, gc, blocks):
    g = Graph()
    g.blobs = 1
    g.layer("Input", "input", [], ["b1"])
    first = g.conv("conv_first", "b1", 3, nf, leaky=False)
    trunk_in, skip = g.split(first, 2)
    trunk = trunk_in
    for n in range(blocks):
        block_in, t = g.split(trunk, 2)
        for r in range(1, 4):
            t = rdb(g, f"body{n}_rdb{r}", t, nf, gc)
        out = g.blob()
        g.layer("Eltwise", f"body{n}_add", [t, block_in], [out], "0=1 -23301=2,2.000000e-01,1.000000e+00")
        trunk = out
    body = g.conv("conv_body", trunk, nf, nf, leaky=False)
    x = g.blob()
    g.layer("BinaryOp", "trunk_add", [body, skip], [x], "0=0")
    for i in (1, 2):
        up = g.blob()
        g.layer("Interp", f"up{i}", [x], [up], "0=1 1=2.000000e+00 2=2.000000e+00")
        x = g.conv(f"conv_up{i}", up, nf, nf, leaky=True)
    x = g.conv("conv_hr", x, nf, nf, leaky=True)
    g.conv("conv_last", x, nf, 3, leaky=False)
    return g


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--features", type=int, default=4096)
    ap.add_argument("--grow", type=int, default=32)
    ap.add_argument("--blocks", type=int, default=1)
    args = ap.parse_args()
    g = build(args.features, args.grow, args.blocks)
    with open(args.out, "w") as f:
        f.write(g.text())
    with open(os.path.splitext(args.out)[0] + ".bin", "wb") as f:
        f.truncate(g.bin_bytes)
    print(f"{args.out}: {g.bin_bytes} bytes of .bin, {g.parameters} parameters")


if __name__ == "__main__":
    main()
