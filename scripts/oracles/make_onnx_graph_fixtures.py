#!/usr/bin/env python3
"""onnxruntime oracle fixtures for EnhanceONNX's fast graph paths (issue 25): small onnx.helper
graphs shaped like a PyTorch SwinIR export's window attention (the shift by Slice + Concat, windows
by Reshape/5-D and 6-D Transpose, qkv by MatMul + bias Add + Gather, q·kᵀ, relative-position and
shift-mask Adds that broadcast over middle axes, Softmax, attn·v) and the broadcasts, transposes and gathers around it.
Each graph reads ``input`` [1, C, H, W] and writes ``output`` [1, C', H, W]; onnxruntime's output on
a seeded input is stored with it as ``<name>.io.safetensors`` in Tests/EnhanceONNXTests/Fixtures.
Run from the repository root:

    /tmp/enh-oracles-venv/bin/python scripts/oracles/make_onnx_graph_fixtures.py
"""
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "EnhanceONNXTests",
                   "Fixtures")
rng = np.random.default_rng(2512)
F = np.float32


def init(name, a):
    return numpy_helper.from_array(np.asarray(a), name)


def N(op, ins, outs, **kw):
    return helper.make_node(op, list(ins), list(outs), **kw)


def save(name, nodes, inits, c_in, c_out, h, w):
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, c_in, h, w])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, c_out, h, w])
    g = helper.make_graph(nodes, name, [x], [y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="onnx.helper")
    m.ir_version = 8
    onnx.checker.check_model(m)
    path = os.path.join(OUT, name + ".onnx")
    onnx.save(m, path)
    xin = rng.random((1, c_in, h, w), dtype=F)
    out = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": xin})[0]
    save_file({"input": xin, "output": out.astype(F)}, os.path.join(OUT, name + ".io.safetensors"))
    print(f"{name}: {xin.shape} -> {out.shape}, range {out.min():.3f}..{out.max():.3f}")


def attention():
    """Shifted-window attention over 4 windows of 4x4 tokens, 2 heads of 3 features (C = 6)."""
    c, h, w, ws, heads, d = 6, 8, 8, 4, 2, 3
    nw, t = (h // ws) * (w // ws), ws * ws
    nodes = [
        # The shift: a roll by 3 rows and 5 columns as Slice + Concat (one block, then many blocks).
        N("Slice", ["input", "k3", "kmax", "k2"], ["top"]), N("Slice", ["input", "k0", "k3", "k2"], ["bottom"]),
        N("Concat", ["top", "bottom"], ["rolled_h"], axis=2),
        N("Slice", ["rolled_h", "k5", "kmax", "k3"], ["right"]), N("Slice", ["rolled_h", "k0", "k5", "k3"], ["left"]),
        N("Concat", ["right", "left"], ["rolled"], axis=3),
        N("Reshape", ["rolled", "s_tok"], ["flat"]),
        N("Transpose", ["flat"], ["tok"], perm=[0, 2, 1]),                      # [1, 64, 6]
        N("Reshape", ["tok", "s_grid"], ["grid"]),                              # [1, 2, 4, 2, 4, 6]
        N("Transpose", ["grid"], ["wins6"], perm=[0, 1, 3, 2, 4, 5]),
        N("Reshape", ["wins6", "s_wins"], ["wins"]),                            # [4, 16, 6]
        N("MatMul", ["wins", "w_qkv"], ["qkv0"]),
        N("Add", ["b_qkv", "qkv0"], ["qkv1"]),                                  # bias first, as PyTorch
        N("Reshape", ["qkv1", "s_qkv"], ["qkv2"]),                              # [4, 16, 3, 2, 3]
        N("Transpose", ["qkv2"], ["qkv"], perm=[2, 0, 3, 1, 4]),                # [3, 4, 2, 16, 3]
        N("Gather", ["qkv", "i0"], ["q0"], axis=0),
        N("Gather", ["qkv", "i1"], ["k"], axis=0),
        N("Gather", ["qkv", "i2"], ["v"], axis=0),
        N("Mul", ["q0", "scale"], ["q"]),
        N("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]),
        N("MatMul", ["q", "kt"], ["a0"]),                                       # [4, 2, 16, 16]
        N("Add", ["a0", "rel"], ["a1"]),                                        # + [1, 2, 16, 16]
        N("Reshape", ["a1", "s_mask"], ["a2"]),                                 # [1, 4, 2, 16, 16]
        N("Add", ["a2", "mask"], ["a3"]),                                       # + [1, 4, 1, 16, 16]
        N("Reshape", ["a3", "s_attn"], ["a4"]),
        N("Softmax", ["a4"], ["p"], axis=-1),
        N("MatMul", ["p", "v"], ["o0"]),                                        # [4, 2, 16, 3]
        N("Transpose", ["o0"], ["o1"], perm=[0, 2, 1, 3]),
        N("Reshape", ["o1", "s_wins"], ["o2"]),                                 # [4, 16, 6]
        N("Div", ["o2", "two"], ["o3"]),
        N("Sub", ["o3", "per_token"], ["o4"]),                                  # - [16, 1]
        N("Mul", ["o4", "per_window"], ["o5"]),                                 # * [4, 1, 6]
        N("Div", ["one", "o5"], ["o6"]),                                        # scalar / tensor
        N("Reshape", ["o6", "s_grid"], ["g1"]),
        N("Transpose", ["g1"], ["g2"], perm=[0, 5, 1, 3, 2, 4]),                # [1, 6, 2, 4, 2, 4]
        N("Reshape", ["g2", "s_img"], ["img"]),
        N("Max", ["img", "row_floor"], ["m1"]),                                 # closure op, [8] rows
        N("Min", ["m1", "chan_ceil"], ["m2"]),                                  # closure op, [6, 1, 1]
        N("Gather", ["m2", "flip"], ["output"], axis=1),
    ]
    inits = [
        *[init(f"k{v}", np.array([v], np.int64)) for v in (0, 2, 3, 5)], init("kmax", np.array([1 << 40], np.int64)),
        init("s_tok", np.array([1, c, h * w], np.int64)),
        init("s_grid", np.array([1, h // ws, ws, w // ws, ws, c], np.int64)),
        init("s_wins", np.array([nw, t, c], np.int64)),
        init("s_qkv", np.array([nw, t, 3, heads, d], np.int64)),
        init("s_mask", np.array([1, nw, heads, t, t], np.int64)),
        init("s_attn", np.array([nw, heads, t, t], np.int64)),
        init("s_img", np.array([1, c, h, w], np.int64)),
        init("w_qkv", (rng.standard_normal((c, 3 * c)) * 0.5).astype(F)),
        init("b_qkv", (rng.standard_normal(3 * c) * 0.1).astype(F)),
        init("i0", np.array(0, np.int64)), init("i1", np.array(1, np.int64)), init("i2", np.array(-1, np.int64)),
        init("scale", np.array(d ** -0.5, F)),
        init("rel", (rng.standard_normal((1, heads, t, t)) * 0.3).astype(F)),
        init("mask", np.where(rng.random((1, nw, 1, t, t)) < 0.3, -100.0, 0.0).astype(F)),
        init("two", np.array([2.0], F)),
        init("one", np.array(1.0, F)),
        init("per_token", (rng.standard_normal((t, 1)) + 3).astype(F)),
        init("per_window", (rng.random((nw, 1, c)) + 0.5).astype(F)),
        # Bounds that clip the tails of that output only (about 10% at each end).
        init("row_floor", (-1.1 + rng.random(w) * 0.2).astype(F)),
        init("chan_ceil", (-0.25 + rng.random((c, 1, 1)) * 0.05).astype(F)),
        init("flip", np.array([5, -2, 3, 2, 1, 0], np.int64)),
    ]
    save("graph_attention_o17", nodes, inits, c, c, h, w)


def unfusable():
    """Near misses of the fused patterns: a product read twice (its bias Add stays an op), attention
    scores read twice (no attention fusion), and a product by a computed matrix."""
    c, h, w = 4, 8, 8
    nodes = [
        N("Reshape", ["input", "s_tok"], ["flat"]),
        N("Transpose", ["flat"], ["tok"], perm=[0, 2, 1]),                      # [1, 64, 4]
        N("MatMul", ["tok", "w"], ["y0"]),
        N("Add", ["y0", "b"], ["y1"]),
        N("Mul", ["y0", "half"], ["y2"]),                                       # y0's second reader
        N("Transpose", ["y2"], ["y2t"], perm=[0, 2, 1]),
        N("MatMul", ["y1", "y2t"], ["s0"]),                                     # [1, 64, 64]
        N("Add", ["s0", "rel"], ["s1"]),
        N("Softmax", ["s1"], ["p"], axis=-1),
        N("Sub", ["p", "s0"], ["p1"]),                                          # s0's second reader
        N("MatMul", ["p1", "y1"], ["o0"]),
        N("MatMul", ["o0", "y2t"], ["o1"]),                                     # by a computed [4, 64]
        N("MatMul", ["o1", "tok"], ["o2"]),                                     # [1, 64, 4]
        N("Transpose", ["o2"], ["o3"], perm=[0, 2, 1]),
        N("Reshape", ["o3", "s_img"], ["output"]),
    ]
    inits = [
        init("s_tok", np.array([1, c, h * w], np.int64)), init("s_img", np.array([1, c, h, w], np.int64)),
        init("w", (rng.standard_normal((c, c)) * 0.5).astype(F)), init("b", (rng.standard_normal(c) * 0.1).astype(F)),
        init("half", np.array(0.5, F)), init("rel", (rng.standard_normal((64, 64)) * 0.3).astype(F)),
    ]
    save("graph_unfusable_o17", nodes, inits, c, c, h, w)


def norms():
    """`F.normalize` as PyTorch exports it (DAT's channel attention): ReduceL2 over a middle axis
    (channels) and over trailing axes, and ReduceSumSquare, with and without keepdims."""
    c, h, w = 4, 6, 5
    nodes = [
        N("ReduceL2", ["input"], ["n1"], axes=[1], keepdims=1),                # [1, 1, h, w]
        N("Max", ["n1", "eps"], ["n2"]),
        N("Div", ["input", "n2"], ["u"]),
        N("ReduceSumSquare", ["u"], ["s"], axes=[2, 3], keepdims=1),           # [1, c, 1, 1]
        N("ReduceL2", ["input"], ["t"], axes=[2, 3], keepdims=0),              # [1, c]
        N("Unsqueeze", ["t", "ax23"], ["t4"]),
        N("Mul", ["u", "s"], ["v"]),
        N("Add", ["v", "t4"], ["output"]),
    ]
    inits = [init("eps", np.array(1e-12, F)), init("ax23", np.array([2, 3], np.int64))]
    save("graph_norms_o17", nodes, inits, c, c, h, w)


if __name__ == "__main__":
    attention()
    unfusable()
    norms()
