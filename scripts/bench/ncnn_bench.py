#!/usr/bin/env python3
"""Times ncnn (PyPI `ncnn`, CPU, Winograd on) on the benchmark networks and prints JSON on stdout.

The graphs are written as ncnn .param text plus a .bin of random float32 weights and mirror
ort_bench.py and EnhanceBench's Swift compositions layer for layer: RRDBNet-23 x4 (ESRGAN,
64 feat, growth 32, nearest x2 + conv twice, LeakyReLU 0.2) and MSRResNet-16 x4 (BasicSR,
pixel shuffle x2 twice, LeakyReLU 0.1, bilinear input skip). Activations are fused into the
convolutions (ncnn's own optimiser does the same), as the Swift engine fuses its epilogues.
Output: the same JSON as ort_bench.py ({"engine", "version", "results": [...]}).
Usage: ncnn_bench.py --nets rrdbnet,msrresnet --sizes 64,128 --threads 1,2 --repeats 3
"""
import json
import os
import sys
import tempfile

import numpy as np
import ncnn

from timing import arguments, timed


class Graph:
    """Accumulates ncnn layers; every blob read by more than one layer gets a Split."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.layers, self.weights, self.n = [], [], 0
        self.uses = {}

    def blob(self, p):
        self.n += 1
        return f"{p}{self.n}"

    def layer(self, kind, inputs, params="", outputs=1):
        outs = [self.blob(kind.lower()) for _ in range(outputs)]
        self.layers.append([kind, self.blob("L"), list(inputs), outs, params])
        for b in inputs:
            self.uses[b] = self.uses.get(b, 0) + 1
        return outs[0] if outputs == 1 else outs

    def conv(self, x, cin, cout, act=None, k=3):
        bound = np.sqrt(6 / (cin * k * k)) * 0.5
        w = self.rng.uniform(-bound, bound, (cout, cin, k, k)).astype(np.float32)
        b = self.rng.uniform(-0.01, 0.01, cout).astype(np.float32)
        self.weights += [np.zeros(1, np.int32).tobytes(), w.tobytes(), b.tobytes()]
        p = f"0={cout} 1={k} 4={k // 2} 5=1 6={w.size}"
        if act is not None:
            p += f" 9=2 -23310=1,{act}" if act > 0 else " 9=1"
        return self.layer("Convolution", [x], p)

    def text(self):
        """The .param text, with Split layers inserted for blobs used more than once."""
        lines = []
        consumed = {}
        for kind, name, ins, outs, params in self.layers:
            mapped = []
            for b in ins:
                if self.uses.get(b, 0) > 1:
                    k = consumed.get(b, 0)
                    consumed[b] = k + 1
                    mapped.append(f"{b}_s{k}")
                else:
                    mapped.append(b)
            lines.append((kind, name, mapped, outs, params))
            for o in outs:
                if self.uses.get(o, 0) > 1:
                    splits = [f"{o}_s{k}" for k in range(self.uses[o])]
                    lines.append(("Split", f"split_{o}", [o], splits, ""))
        blobs = {b for _, _, ins, outs, _ in lines for b in ins + outs}
        head = [f"{k:<16} {n:<16} {len(i)} {len(o)} {' '.join(i + o)} {p}".rstrip()
                for k, n, i, o, p in lines]
        return "7767517\n" + f"{len(lines)} {len(blobs)}\n" + "\n".join(head) + "\n"


def rrdbnet(size, blocks=23, nf=64, gc=32):
    g = Graph(1)
    x = g.layer("Input", [], f"0={size} 1={size} 2=3")
    g.input = x
    feat = g.conv(x, 3, nf)
    trunk = feat
    for _ in range(blocks):
        t = trunk
        for _ in range(3):
            xs = [t]
            for c in range(5):
                inp = xs[0] if len(xs) == 1 else g.layer("Concat", xs, "0=0")
                if c < 4:
                    xs.append(g.conv(inp, nf + c * gc, gc, act=0.2))
                else:
                    y = g.layer("BinaryOp", [g.conv(inp, nf + c * gc, nf)], "0=2 1=1 2=0.2")
                    t = g.layer("BinaryOp", [y, t], "0=0")
        trunk = g.layer("BinaryOp", [g.layer("BinaryOp", [t], "0=2 1=1 2=0.2"), trunk], "0=0")
    y = g.layer("BinaryOp", [g.conv(trunk, nf, nf), feat], "0=0")
    y = g.conv(g.layer("Interp", [y], "0=1 1=2.0 2=2.0"), nf, nf, act=0.2)
    y = g.conv(g.layer("Interp", [y], "0=1 1=2.0 2=2.0"), nf, nf, act=0.2)
    y = g.conv(y, nf, nf, act=0.2)
    return g, g.conv(y, nf, 3)


def msrresnet(size, blocks=16, nf=64):
    g = Graph(2)
    x = g.layer("Input", [], f"0={size} 1={size} 2=3")
    g.input = x
    f = g.conv(x, 3, nf, act=0.1)
    for _ in range(blocks):
        f = g.layer("BinaryOp", [f, g.conv(g.conv(f, nf, nf, act=0), nf, nf)], "0=0")
    for _ in range(2):
        f = g.layer("ReLU", [g.layer("PixelShuffle", [g.conv(f, nf, 4 * nf)], "0=2")], "0=0.1")
    f = g.conv(f, nf, nf, act=0.1)
    up = g.layer("Interp", [x], "0=2 1=4.0 2=4.0 6=0")
    return g, g.layer("BinaryOp", [g.conv(f, nf, 3), up], "0=0")


def load(graph, threads, folder):
    param, model = os.path.join(folder, "net.param"), os.path.join(folder, "net.bin")
    with open(param, "w") as f:
        f.write(graph.text())
    with open(model, "wb") as f:
        f.write(b"".join(graph.weights))
    net = ncnn.Net()
    net.opt.num_threads = threads
    net.opt.use_winograd_convolution = True
    net.opt.use_sgemm_convolution = True
    net.opt.use_packing_layout = True
    net.opt.use_fp16_storage = False
    net.opt.use_fp16_arithmetic = False
    net.opt.use_bf16_storage = False
    net.opt.use_vulkan_compute = False
    if net.load_param(param) != 0 or net.load_model(model) != 0:
        raise SystemExit("ncnn could not load the generated graph")
    return net


def main():
    a = arguments()
    builders = {"rrdbnet": rrdbnet, "msrresnet": msrresnet}
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for name in a.nets.split(","):
            for s in [int(v) for v in a.sizes.split(",")]:
                graph, out = builders[name](s)
                for t in [int(v) for v in a.threads.split(",")]:
                    net = load(graph, t, folder)
                    x = np.random.default_rng(3).uniform(0, 1, (3, s, s)).astype(np.float32)

                    def once():
                        ex = net.create_extractor()
                        ex.input(graph.input, ncnn.Mat(x))
                        ret, y = ex.extract(out)
                        if ret != 0:
                            raise SystemExit(f"ncnn extract failed ({ret})")
                        return np.array(y)

                    shape = once().shape  # warm-up (also packs the weights)
                    if shape != (3, 4 * s, 4 * s):
                        raise SystemExit(f"ncnn output shape {shape}, expected (3, {4 * s}, {4 * s})")
                    results.append(timed(name, s, t, a.repeats, once))
    json.dump({"engine": "ncnn", "version": ncnn.__version__, "results": results}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
