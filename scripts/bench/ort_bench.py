#!/usr/bin/env python3
"""Times onnxruntime on the benchmark networks (random weights) and prints JSON on stdout.

Wall and process-CPU medians are reported (CPU time is robust to other load on the machine;
with 2 threads it includes onnxruntime's spin-waiting).

The graphs are built with the onnx helper API (no torch) and mirror EnhanceBench's Swift
compositions: RRDBNet-23 x4 (ESRGAN, 64 feat, growth 32), and MSRResNet-16 x4 (BasicSR). Any other network is
read from `<name>-<size>.onnx` in ~/.cache/enhance/bench-onnx (or $ENHANCE_BENCH_ONNX), the graphs
export_onnx.py exports from spandrel's classes (span, realplksr, realcugan, rcan).
Usage: ort_bench.py --nets rrdbnet,msrresnet --sizes 64,128 --threads 1,2 --repeats 3
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import onnxruntime as ort

from timing import arguments, timed


class Graph:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, p):
        self.n += 1
        return f"{p}{self.n}"

    def const(self, arr):
        nm = self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(arr), nm))
        return nm

    def op(self, kind, inputs, **attrs):
        out = self.name(kind)
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def conv(self, x, cin, cout, k=3):
        bound = np.sqrt(6 / (cin * k * k)) * 0.5
        w = self.rng.uniform(-bound, bound, (cout, cin, k, k)).astype(np.float32)
        b = self.rng.uniform(-0.01, 0.01, cout).astype(np.float32)
        return self.op("Conv", [x, self.const(w), self.const(b)], kernel_shape=[k, k], pads=[k // 2] * 4)

    def lrelu(self, x, a):
        return self.op("LeakyRelu", [x], alpha=a)

    def scale(self, x, s):
        return self.op("Mul", [x, self.const(np.array(s, np.float32))])

    def resize(self, x, f, mode):
        scales = self.const(np.array([1, 1, f, f], np.float32))
        if mode == "nearest":
            return self.op("Resize", [x, "", scales], mode="nearest",
                           coordinate_transformation_mode="asymmetric", nearest_mode="floor")
        return self.op("Resize", [x, "", scales], mode="linear", coordinate_transformation_mode="pytorch_half_pixel")

    def model(self, out):
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "H", "W"])
        y = helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 3, None, None])
        g = helper.make_graph(self.nodes, "bench", [x], [y], self.inits)
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def rrdbnet(blocks=23, nf=64, gc=32):
    g = Graph(1)
    feat = g.conv("x", 3, nf)
    trunk = feat
    for _ in range(blocks):
        t = trunk
        for _ in range(3):
            xs = [t]
            for c in range(5):
                inp = xs[0] if len(xs) == 1 else g.op("Concat", xs, axis=1)
                y = g.conv(inp, nf + c * gc, nf if c == 4 else gc)
                if c < 4:
                    xs.append(g.lrelu(y, 0.2))
                else:
                    t = g.op("Add", [g.scale(y, 0.2), t])
        trunk = g.op("Add", [g.scale(t, 0.2), trunk])
    y = g.op("Add", [g.conv(trunk, nf, nf), feat])
    y = g.lrelu(g.conv(g.resize(y, 2, "nearest"), nf, nf), 0.2)
    y = g.lrelu(g.conv(g.resize(y, 2, "nearest"), nf, nf), 0.2)
    y = g.lrelu(g.conv(y, nf, nf), 0.2)
    return g.model(g.conv(y, nf, 3))


def msrresnet(blocks=16, nf=64):
    g = Graph(2)
    f = g.lrelu(g.conv("x", 3, nf), 0.1)
    for _ in range(blocks):
        f = g.op("Add", [f, g.conv(g.op("Relu", [g.conv(f, nf, nf)]), nf, nf)])
    for _ in range(2):
        f = g.lrelu(g.op("DepthToSpace", [g.conv(f, nf, 4 * nf)], blocksize=2, mode="CRD"), 0.1)
    f = g.lrelu(g.conv(f, nf, nf), 0.1)
    return g.model(g.op("Add", [g.conv(f, nf, 3), g.resize("x", 4, "linear")]))


BUILDERS = {"rrdbnet": rrdbnet, "msrresnet": msrresnet}
ONNX_DIR = os.environ.get("ENHANCE_BENCH_ONNX", os.path.expanduser("~/.cache/enhance/bench-onnx"))


def graph(net, size):
    """The serialized graph of `net` for a size×size input: built here, the exported file, or `net`
    itself when it is an .onnx path (`enhance bench --onnx FILE`)."""
    if net.endswith(".onnx") and os.path.exists(net):
        with open(net, "rb") as f:
            return f.read()
    if net in BUILDERS:
        return BUILDERS[net]().SerializeToString()
    path = os.path.join(ONNX_DIR, f"{net}-{size}.onnx")
    if not os.path.exists(path):
        sys.exit(f"{path} missing: run scripts/bench/export_onnx.py --sizes {size} (needs torch + spandrel)")
    with open(path, "rb") as f:
        return f.read()


def main():
    a = arguments()
    results = []
    for net in a.nets.split(","):
        for t in [int(v) for v in a.threads.split(",")]:
            so = ort.SessionOptions()
            so.intra_op_num_threads = t
            so.inter_op_num_threads = 1
            so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            for s in [int(v) for v in a.sizes.split(",")]:
                sess = ort.InferenceSession(graph(net, s), so, providers=["CPUExecutionProvider"])
                x = np.random.default_rng(3).uniform(0, 1, (1, 3, s, s)).astype(np.float32)
                feed = sess.get_inputs()[0]
                if feed.type == "tensor(float16)":  # a float16 file's graph takes float16 images
                    x = x.astype(np.float16)
                sess.run(None, {feed.name: x})  # warm-up
                results.append(timed(net, s, t, a.repeats, lambda: sess.run(None, {feed.name: x})))
    json.dump({"engine": "onnxruntime", "version": ort.__version__, "results": results}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
