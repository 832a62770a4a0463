#!/usr/bin/env python3
"""Builds onnxruntime oracle fixtures for the EnhanceNetworks architecture tests.

For each architecture a TINY random-weight instance is created. Its weights are written to
``<name>.weights.safetensors`` in the checkpoint key layout the Swift loader must understand, and
the same network is written independently as an ONNX graph with the ``onnx.helper`` API (no torch).
onnxruntime then runs the graph on a small random input; input and ORT output are stored in
``<name>.io.safetensors`` (keys ``input`` [1,3,H,W] and ``output`` [1,3,sH,sW], float32).

The Swift tests load the weights with our own code and must reproduce ``output`` from ``input``
within 1e-4 relative. Run from the repository root:

    /tmp/enh-oracles-venv/bin/python scripts/oracles/make_ort_fixtures.py
"""
import os
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper
import onnxruntime as ort
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "EnhanceNetworksTests", "Fixtures")
rng = np.random.default_rng(20261122)


class Graph:
    """Minimal ONNX graph builder: every op returns the name of its output value."""

    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, p):
        self.n += 1
        return f"{p}_{self.n}"

    def const(self, arr, p="c"):
        n = self.name(p)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), n))
        return n

    def op(self, typ, inputs, **attrs):
        out = self.name(typ)
        self.nodes.append(helper.make_node(typ, inputs, [out], **attrs))
        return out

    def conv(self, x, w, b):
        k = w.shape[2]
        return self.op("Conv", [x, self.const(w, "w"), self.const(b, "b")],
                       kernel_shape=[k, k], pads=[k // 2] * 4, strides=[1, 1])

    def lrelu(self, x, s):
        return self.op("LeakyRelu", [x], alpha=float(s))

    def relu(self, x):
        return self.op("Relu", [x])

    def prelu(self, x, slope):
        return self.op("PRelu", [x, self.const(slope.reshape(-1, 1, 1).astype(np.float32), "slope")])

    def add(self, a, b):
        return self.op("Add", [a, b])

    def scale(self, x, s):
        return self.op("Mul", [x, self.const(np.array(s, dtype=np.float32), "s")])

    def concat(self, xs):
        return self.op("Concat", xs, axis=1)

    def resize(self, x, f, mode):
        scales = self.const(np.array([1, 1, f, f], dtype=np.float32), "scales")
        if mode == "nearest":
            return self.op("Resize", [x, "", scales], mode="nearest",
                           coordinate_transformation_mode="asymmetric", nearest_mode="floor")
        return self.op("Resize", [x, "", scales], mode="linear",
                       coordinate_transformation_mode="half_pixel")

    def pixel_shuffle(self, x, r):
        return self.op("DepthToSpace", [x], blocksize=r, mode="CRD")

    def pixel_unshuffle(self, x, c, h, w, r):
        # PyTorch order: out channel = c*r*r + i*r + j (ONNX SpaceToDepth orders blocks first).
        t = self.op("Reshape", [x, self.const(np.array([1, c, h // r, r, w // r, r], dtype=np.int64))])
        t = self.op("Transpose", [t], perm=[0, 1, 3, 5, 2, 4])
        return self.op("Reshape", [t, self.const(np.array([1, c * r * r, h // r, w // r], dtype=np.int64))])

    def batchnorm(self, x, g, b, m, v):
        return self.op("BatchNormalization", [x, self.const(g), self.const(b), self.const(m), self.const(v)],
                       epsilon=1e-5)

    def run(self, x, out):
        inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, list(x.shape))
        outp = helper.make_tensor_value_info(out, TensorProto.FLOAT, ["n", "c", "h", "w"])
        model = helper.make_model(helper.make_graph(self.nodes, "net", [inp], [outp], self.inits),
                                  opset_imports=[helper.make_opsetid("", 17)])
        onnx.checker.check_model(model)
        sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        return sess.run(None, {"input": x})[0]


def conv_w(o, i, k=3, gain=1.0):
    w = rng.standard_normal((o, i, k, k)).astype(np.float32) * np.float32(gain / np.sqrt(i * k * k))
    b = (rng.standard_normal(o) * 0.05).astype(np.float32)
    return w, b


def put(sd, key, wb):
    sd[key + ".weight"], sd[key + ".bias"] = wb


# ---------------------------------------------------------------- RRDBNet (BasicSR / old ESRGAN)
def rrdbnet(scale, nf=8, gc=4, nb=2, h=12, w=12, old_keys=False):
    g, sd = Graph(), {}
    x = rng.random((1, 3, h, w), dtype=np.float32)
    un = {4: 1, 2: 2, 1: 4}[scale]
    cin = 3 * un * un
    feat = "input" if un == 1 else g.pixel_unshuffle("input", 3, h, w, un)
    put(sd, "conv_first", conv_w(nf, cin))
    feat = g.conv(feat, *sd_pair(sd, "conv_first"))
    trunk = feat
    for n in range(nb):
        rrdb_in = trunk
        for r in range(1, 4):
            xs = [trunk]
            for c in range(1, 6):
                key = f"body.{n}.rdb{r}.conv{c}"
                put(sd, key, conv_w(nf if c == 5 else gc, nf + (c - 1) * gc))
                y = g.conv(g.concat(xs) if len(xs) > 1 else xs[0], *sd_pair(sd, key))
                xs.append(g.lrelu(y, 0.2) if c < 5 else y)
            trunk = g.add(g.scale(xs[-1], 0.2), trunk)
        trunk = g.add(g.scale(trunk, 0.2), rrdb_in)
    put(sd, "conv_body", conv_w(nf, nf))
    feat = g.add(feat, g.conv(trunk, *sd_pair(sd, "conv_body")))
    for key in ["conv_up1", "conv_up2"]:
        put(sd, key, conv_w(nf, nf))
        feat = g.lrelu(g.conv(g.resize(feat, 2, "nearest"), *sd_pair(sd, key)), 0.2)
    put(sd, "conv_hr", conv_w(nf, nf))
    put(sd, "conv_last", conv_w(3, nf))
    out = g.conv(g.lrelu(g.conv(feat, *sd_pair(sd, "conv_hr")), 0.2), *sd_pair(sd, "conv_last"))
    y = g.run(x, out)
    if old_keys:
        sd = to_old_esrgan(sd)
    return sd, x, y


def sd_pair(sd, key):
    return sd[key + ".weight"], sd[key + ".bias"]


def to_old_esrgan(sd):
    fixed = {"conv_first": "model.0", "conv_up1": "model.3", "conv_up2": "model.6",
             "conv_hr": "model.8", "conv_last": "model.10"}
    out = {}
    for k, v in sd.items():
        base, leaf = k.rsplit(".", 1)
        if base in fixed:
            out[f"{fixed[base]}.{leaf}"] = v
        elif base == "conv_body":
            out[f"model.1.sub.BODY.{leaf}"] = v
        else:  # body.N.rdbR.convC
            _, n, rdb, conv = base.split(".")
            out[f"model.1.sub.{n}.RDB{rdb[3:]}.{conv}.0.{leaf}"] = v
    nb = 1 + max(int(k.split(".")[3]) for k in out if k.startswith("model.1.sub.") and "RDB" in k)
    return {k.replace("BODY", str(nb)): v for k, v in out.items()}


# ---------------------------------------------------------------- MSRResNet (BasicSR)
def msrresnet(nf=8, nb=2, h=10, w=11, scale=4):
    g, sd = Graph(), {}
    x = rng.random((1, 3, h, w), dtype=np.float32)
    put(sd, "conv_first", conv_w(nf, 3))
    feat = g.lrelu(g.conv("input", *sd_pair(sd, "conv_first")), 0.1)
    for n in range(nb):
        put(sd, f"body.{n}.conv1", conv_w(nf, nf))
        put(sd, f"body.{n}.conv2", conv_w(nf, nf))
        r = g.conv(g.relu(g.conv(feat, *sd_pair(sd, f"body.{n}.conv1"))), *sd_pair(sd, f"body.{n}.conv2"))
        feat = g.add(feat, r)
    ups = [("upconv1", 2), ("upconv2", 2)] if scale == 4 else [("upconv1", scale)]
    for key, r in ups:
        put(sd, key, conv_w(nf * r * r, nf))
        feat = g.lrelu(g.pixel_shuffle(g.conv(feat, *sd_pair(sd, key)), r), 0.1)
    put(sd, "conv_hr", conv_w(nf, nf))
    put(sd, "conv_last", conv_w(3, nf))
    out = g.conv(g.lrelu(g.conv(feat, *sd_pair(sd, "conv_hr")), 0.1), *sd_pair(sd, "conv_last"))
    out = g.add(out, g.resize("input", scale, "linear"))
    return sd, x, g.run(x, out)


# ---------------------------------------------------------------- SRGAN generator (leftthomas)
def bn_params(sd, key, c):
    sd[key + ".weight"] = (1 + 0.2 * rng.standard_normal(c)).astype(np.float32)
    sd[key + ".bias"] = (0.1 * rng.standard_normal(c)).astype(np.float32)
    sd[key + ".running_mean"] = (0.1 * rng.standard_normal(c)).astype(np.float32)
    sd[key + ".running_var"] = (0.5 + rng.random(c)).astype(np.float32)
    return [sd[key + s] for s in (".weight", ".bias", ".running_mean", ".running_var")]


def srgan(nf=8, h=9, w=10):
    g, sd = Graph(), {}
    x = rng.random((1, 3, h, w), dtype=np.float32)
    put(sd, "block1.0", conv_w(nf, 3, 9))
    sd["block1.1.weight"] = np.array([0.25], dtype=np.float32)
    b1 = g.prelu(g.conv("input", *sd_pair(sd, "block1.0")), sd["block1.1.weight"])
    feat = b1
    for n in range(2, 7):
        p = f"block{n}"
        put(sd, p + ".conv1", conv_w(nf, nf))
        t = g.batchnorm(g.conv(feat, *sd_pair(sd, p + ".conv1")), *bn_params(sd, p + ".bn1", nf))
        sd[p + ".prelu.weight"] = (0.25 + 0.1 * rng.standard_normal(1)).astype(np.float32)
        t = g.prelu(t, sd[p + ".prelu.weight"])
        put(sd, p + ".conv2", conv_w(nf, nf))
        t = g.batchnorm(g.conv(t, *sd_pair(sd, p + ".conv2")), *bn_params(sd, p + ".bn2", nf))
        feat = g.add(feat, t)
    put(sd, "block7.0", conv_w(nf, nf))
    b7 = g.batchnorm(g.conv(feat, *sd_pair(sd, "block7.0")), *bn_params(sd, "block7.1", nf))
    feat = g.add(b1, b7)
    for n in range(2):
        p = f"block8.{n}"
        put(sd, p + ".conv", conv_w(nf * 4, nf))
        sd[p + ".prelu.weight"] = (0.25 + 0.1 * rng.standard_normal(1)).astype(np.float32)
        feat = g.prelu(g.pixel_shuffle(g.conv(feat, *sd_pair(sd, p + ".conv")), 2), sd[p + ".prelu.weight"])
    put(sd, "block8.2", conv_w(3, nf, 9))
    out = g.conv(feat, *sd_pair(sd, "block8.2"))
    out = g.scale(g.add(g.op("Tanh", [out]), g.const(np.array(1, dtype=np.float32))), 0.5)
    return sd, x, g.run(x, out)


# ---------------------------------------------------------------- SRVGGNetCompact (Real-ESRGAN)
def srvgg(nf=8, num_conv=3, scale=4, h=9, w=8):
    g, sd = Graph(), {}
    x = rng.random((1, 3, h, w), dtype=np.float32)
    feat, idx, cin = "input", 0, 3
    for _ in range(num_conv + 1):
        put(sd, f"body.{idx}", conv_w(nf, cin))
        sd[f"body.{idx + 1}.weight"] = (0.25 + 0.1 * rng.standard_normal(nf)).astype(np.float32)
        feat = g.prelu(g.conv(feat, *sd_pair(sd, f"body.{idx}")), sd[f"body.{idx + 1}.weight"])
        idx, cin = idx + 2, nf
    put(sd, f"body.{idx}", conv_w(3 * scale * scale, nf))
    out = g.pixel_shuffle(g.conv(feat, *sd_pair(sd, f"body.{idx}")), scale)
    out = g.add(out, g.resize("input", scale, "nearest"))
    return sd, x, g.run(x, out)


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = {
        "rrdbnet_x4_basicsr": lambda: rrdbnet(4),
        "rrdbnet_x4_old": lambda: rrdbnet(4, nb=3, h=10, w=9, old_keys=True),
        "rrdbnet_x2_basicsr": lambda: rrdbnet(2, h=12, w=10),
        "rrdbnet_x1_basicsr": lambda: rrdbnet(1, h=16, w=12),
        "msrresnet_x4": msrresnet,
        "srgan_bn_x4": srgan,
        "srvgg_x4": srvgg,
        # Added later; kept last so the fixtures above keep their random draws.
        "msrresnet_x3": lambda: msrresnet(scale=3, h=8, w=9),
        "srvgg_x2": lambda: srvgg(num_conv=2, scale=2, h=7, w=9),
        # 32 features: the channel-packed body and tail (sub-position-major shuffles, packed conv_last).
        "msrresnet_x4_nf32": lambda: msrresnet(nf=32, nb=1, h=9, w=21),
    }
    for name, make in cases.items():
        sd, x, y = make()
        save_file({k: np.ascontiguousarray(v) for k, v in sd.items()},
                  os.path.join(OUT, f"{name}.weights.safetensors"))
        save_file({"input": x, "output": np.ascontiguousarray(y.astype(np.float32))},
                  os.path.join(OUT, f"{name}.io.safetensors"))
        print(f"{name}: {len(sd)} tensors, input {list(x.shape)} -> output {list(y.shape)}, "
              f"output range [{y.min():.3f}, {y.max():.3f}]")


if __name__ == "__main__":
    main()
