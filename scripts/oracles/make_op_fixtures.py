#!/usr/bin/env python3
"""Builds onnxruntime (and numpy) oracle fixtures for the EnhanceTensor op tests.

Every op is written as a single-op (or few-op) ONNX graph with ``onnx.helper`` (opset 21), run by
onnxruntime on small random inputs; window partition/roll and window attention, which ONNX has no
single op for, are computed with numpy. Inputs and outputs are stored, float32 little-endian, one
after another in ``Tests/EnhanceTensorTests/Fixtures/ops.bin``; ``ops.json`` lists the cases:
``{"name": {"tensors": {"x": [offset, [shape]], ...}, "attrs": {...}}}`` (offset in floats).
Run from the repository root:

    /tmp/enh-oracles-venv/bin/python scripts/oracles/make_op_fixtures.py
"""
import numpy as np
from onnx import helper, TensorProto

from op_fixture_format import F, N, run, store, write

rng = np.random.default_rng(20261207)


def const(name, arr, dtype=TensorProto.INT64):
    arr = np.asarray(arr)
    return N("Constant", [], [name], value=helper.make_tensor(name, dtype, list(arr.shape), arr.ravel().tolist()))


def rand(*shape, scale=1.0):
    return (rng.uniform(-1, 1, size=shape) * scale).astype(F)


def gelu_erf(x, out="y"):
    """0.5·x·(1 + erf(x/√2)) as ONNX nodes reading 'x'-named value x."""
    return [const("r2", np.array(2 ** 0.5, F), TensorProto.FLOAT), const("one", np.array(1, F), TensorProto.FLOAT),
            const("half", np.array(0.5, F), TensorProto.FLOAT),
            N("Div", [x, "r2"], ["g1"]), N("Erf", ["g1"], ["g2"]), N("Add", ["g2", "one"], ["g3"]),
            N("Mul", [x, "g3"], ["g4"]), N("Mul", ["g4", "half"], [out])]


def activation_nodes(act, x="x", out="y"):
    return {
        "sigmoid": [N("Sigmoid", [x], [out])],
        "silu": [N("Sigmoid", [x], ["s"]), N("Mul", [x, "s"], [out])],
        "gelu": gelu_erf(x, out),
        "geluTanh": [N("Gelu", [x], [out], approximate="tanh")],
        "tanh": [N("Tanh", [x], [out])],
        "relu": [N("Relu", [x], [out])],
        "leakyReLU": [N("LeakyRelu", [x], [out], alpha=0.2)],
        "prelu": [N("PRelu", [x, "slope"], [out])],
        "mish": [N("Mish", [x], [out])],
    }[act]


ACTS = ["sigmoid", "silu", "gelu", "geluTanh", "tanh", "relu", "leakyReLU", "prelu", "mish"]

# 1. Unary activations on [1, 3, 5, 37] in [−9, 9] (plus exact zeros and tails).
x = rand(1, 3, 5, 37, scale=9)
x[0, 0, 0, :4] = [0, -30, 30, -1e-4]
slope = rand(3, 1, 1, scale=0.5)
for act in ACTS:
    ins = {"x": x, "slope": slope} if act == "prelu" else {"x": x}
    store(f"unary_{act}", x=x, slope=slope.ravel(), y=run(activation_nodes(act), ins))

# Fused conv epilogues: conv (k 1, 3, 5; 16 → 32 so the packed16 path applies too) then activation.
for k in (1, 3, 5):
    xc = rand(1, 16, 6, 19)
    wc = rand(32, 16, k, k, scale=1 / (16 * k * k) ** 0.5 * 2)
    bc = rand(32, scale=0.3)
    sl = rand(32, 1, 1, scale=0.5)
    outs = {}
    for act in ACTS:
        nodes = [N("Conv", ["x", "w", "b"], ["c"], pads=[k // 2] * 4)] + activation_nodes(act, "c")
        ins = {"x": xc, "w": wc, "b": bc}
        if act == "prelu":
            ins["slope"] = sl
        outs[act] = run(nodes, ins)
    store(f"convact_{k}", x=xc, w=wc, b=bc, slope=sl.ravel(), **outs)

# 2. Binary ops with broadcast.
a, b = rand(1, 5, 4, 21, scale=3), rand(1, 5, 4, 21, scale=3)
v, s = rand(1, 5, 1, 1, scale=2), np.array(1.75, F)
for op in ("Add", "Sub", "Mul"):
    store(f"binary_{op.lower()}", a=a, b=b, v=v.ravel(), s=s.reshape(1),
          same=run([N(op, ["a", "b"])], {"a": a, "b": b}),
          channel=run([N(op, ["a", "v"])], {"a": a, "v": v}),
          scalar=run([N(op, ["a", "s"])], {"a": a, "s": s}))

# 3. Split / Slice / Concat on channels.
xs = rand(1, 10, 3, 5)
sp = [const("sizes", [3, 4, 3])] + [N("Split", ["x", "sizes"], ["p0", "p1", "p2"], axis=1),
                                     N("Identity", ["p1"], ["y"])]
sl_nodes = [const("st", [2]), const("en", [7]), const("ax", [1]), N("Slice", ["x", "st", "en", "ax"])]
store("channels", x=xs, split1=run(sp, {"x": xs}), slice27=run(sl_nodes, {"x": xs}),
      concat=run([N("Concat", ["x", "x"], axis=1)], {"x": xs}))

# 4. Grouped, depthwise and large-kernel convolutions (pads k//2).
for name, cin, cout, k, g, h, w in [("group2_k3", 4, 6, 3, 2, 7, 9), ("group3_k5", 6, 9, 5, 3, 6, 20),
                                    ("dw_k3", 5, 5, 3, 5, 8, 21), ("dw_k7_m2", 4, 8, 7, 4, 9, 17),
                                    ("dw_k13", 3, 3, 13, 3, 15, 18), ("dense_k1", 7, 5, 1, 1, 4, 35),
                                    ("dense_k13", 3, 4, 13, 1, 14, 16), ("dense_k17", 4, 4, 17, 1, 18, 19)]:
    xg, wg, bg = rand(1, cin, h, w), rand(cout, cin // g, k, k, scale=1 / (cin // g * k * k) ** 0.5), rand(cout)
    store(f"conv_{name}", {"groups": g, "k": k}, x=xg, w=wg, b=bg,
          y=run([N("Conv", ["x", "w", "b"], pads=[k // 2] * 4, group=g)], {"x": xg, "w": wg, "b": bg}))
# PLKSR partial conv: 17×17 on the first 4 of 16 channels, the rest passed through.
xp, wp, bp = rand(1, 16, 19, 20), rand(4, 4, 17, 17, scale=1 / 34), rand(4)
nodes = [const("sizes", [4, 12]), N("Split", ["x", "sizes"], ["h", "t"], axis=1),
         N("Conv", ["h", "w", "b"], ["c"], pads=[8] * 4), N("Concat", ["c", "t"], axis=1)]
store("conv_partial17", x=xp, w=wp, b=bp, y=run(nodes, {"x": xp, "w": wp, "b": bp}))

# 5. LayerNorm over channels (via NHWC), GroupNorm, global average pool.
xl, gl, bl = rand(1, 24, 5, 19, scale=2) + 0.5, rand(24) + 1, rand(24)
nodes = [N("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
         N("LayerNormalization", ["t", "g", "b"], ["n"], axis=-1, epsilon=1e-5),
         N("Transpose", ["n"], perm=[0, 3, 1, 2])]
store("layernorm_channels", x=xl, g=gl, b=bl, y=run(nodes, {"x": xl, "g": gl, "b": bl}))
tok, gr, br = rand(37, 45, scale=2) + 0.3, rand(45) + 1, rand(45)
store("layernorm_rows", x=tok, g=gr, b=br,
      y=run([N("LayerNormalization", ["x", "g", "b"], axis=-1, epsilon=1e-6)], {"x": tok, "g": gr, "b": br}))
xg, gg, bg = rand(1, 12, 7, 9, scale=3) + 1, rand(12) + 1, rand(12)
store("groupnorm", {"groups": 4}, x=xg, g=gg, b=bg,
      y=run([N("GroupNormalization", ["x", "g", "b"], num_groups=4, epsilon=1e-5)], {"x": xg, "g": gg, "b": bg}))
store("gap", x=xg, y=run([N("GlobalAveragePool", ["x"])], {"x": xg}))

# 6. Linear (Gemm transB), Linear + GELU, batched MatMul, Softmax.
xt, wt, bt = rand(37, 20), rand(45, 20, scale=0.3), rand(45)
store("linear", x=xt, w=wt, b=bt, y=run([N("Gemm", ["x", "w", "b"], transB=1)], {"x": xt, "w": wt, "b": bt}),
      gelu=run([N("Gemm", ["x", "w", "b"], ["c"], transB=1)] + gelu_erf("c"), {"x": xt, "w": wt, "b": bt}))
ma, mb = rand(3, 13, 9), rand(3, 9, 21)
store("matmul", a=ma, b=mb, bt=np.ascontiguousarray(mb.transpose(0, 2, 1)), y=run([N("MatMul", ["a", "b"])],
                                                                                    {"a": ma, "b": mb}))
xsm = rand(7, 19, scale=6)
store("softmax", x=xsm, y=run([N("Softmax", ["x"], axis=-1)], {"x": xsm}))

# 7. Window partition with roll and window attention (numpy: no single ONNX op).
H, W, C, ws, sh, heads = 8, 12, 6, 4, 2, 2
img = rand(H * W, C)


def partition(t, shift):
    r = np.roll(t.reshape(H, W, C), (-shift, -shift), axis=(0, 1))
    return r.reshape(H // ws, ws, W // ws, ws, C).transpose(0, 2, 1, 3, 4).reshape(-1, C)


store("windows", {"height": H, "width": W, "window": ws, "shift": sh}, x=img, y0=partition(img, 0),
      y=partition(img, sh))
n, nw = ws * ws, H * W // (ws * ws)
# SwinIR calculate_mask and relative position index, written out independently.
img_mask = np.zeros((H, W))
cnt = 0
for hs in (slice(0, -ws), slice(-ws, -sh), slice(-sh, None)):
    for wsl in (slice(0, -ws), slice(-ws, -sh), slice(-sh, None)):
        img_mask[hs, wsl] = cnt
        cnt += 1
mw = img_mask.reshape(H // ws, ws, W // ws, ws).transpose(0, 2, 1, 3).reshape(-1, n)
mask = np.where(mw[:, None, :] - mw[:, :, None] != 0, -100.0, 0.0).astype(F)
coords = np.stack(np.meshgrid(np.arange(ws), np.arange(ws), indexing="ij")).reshape(2, -1)
rel = (coords[:, :, None] - coords[:, None, :]).transpose(1, 2, 0) + ws - 1
index = rel[:, :, 0] * (2 * ws - 1) + rel[:, :, 1]
table = rand((2 * ws - 1) ** 2, heads)
bias = table[index.ravel()].reshape(n, n, heads).transpose(2, 0, 1)
qkv = rand(nw * n, 3 * C)
d = C // heads
q = qkv[:, :C].reshape(nw, n, heads, d).transpose(0, 2, 1, 3) * d ** -0.5
k_ = qkv[:, C:2 * C].reshape(nw, n, heads, d).transpose(0, 2, 1, 3)
v_ = qkv[:, 2 * C:].reshape(nw, n, heads, d).transpose(0, 2, 1, 3)
att = q.astype(np.float64) @ k_.transpose(0, 1, 3, 2) + bias[None] + mask[:, None]
att = np.exp(att - att.max(-1, keepdims=True))
att /= att.sum(-1, keepdims=True)
out = (att @ v_).transpose(0, 2, 1, 3).reshape(nw * n, C)
store("attention", {"window": ws, "heads": heads, "height": H, "width": W, "shift": sh},
      qkv=qkv, table=table, mask=mask, bias=bias, y=out)

# 8. Pixel (un)shuffle, nearest / bilinear / bicubic upsampling.
xu = rand(1, 8, 5, 7)
store("depth_to_space", x=xu, y=run([N("DepthToSpace", ["x"], blocksize=2, mode="CRD")], {"x": xu}))
xd = rand(1, 2, 6, 8)
nodes = [const("s1", [1, 2, 3, 2, 4, 2]), N("Reshape", ["x", "s1"], ["r"]),
         N("Transpose", ["r"], ["t"], perm=[0, 1, 3, 5, 2, 4]), const("s2", [1, 8, 3, 4]), N("Reshape", ["t", "s2"])]
store("space_to_depth_torch", x=xd, y=run(nodes, {"x": xd}))
xr = rand(1, 3, 5, 7)
for f in (2, 3):
    sc = [const("sc", np.array([1, 1, f, f], F), TensorProto.FLOAT)]
    resize = dict(nearest=dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
                  linear=dict(mode="linear", coordinate_transformation_mode="half_pixel"),
                  cubic=dict(mode="cubic", coordinate_transformation_mode="half_pixel", cubic_coeff_a=-0.75))
    outs = {m: run(sc + [N("Resize", ["x", "", "sc"], **kw)], {"x": xr}) for m, kw in resize.items()}
    store(f"resize_{f}", x=xr, **outs)

# 9. GridSample bilinear, align_corners=0, zeros and border padding; grid beyond [−1, 1] too.
xgs, grid = rand(1, 3, 6, 9), rand(1, 11, 13, 2, scale=1.25)
grid[0, 0, :3] = [[-1, -1], [1, 1], [0, 0]]
outs = {p: run([N("GridSample", ["x", "g"], mode="linear", padding_mode=p, align_corners=0)], {"x": xgs, "g": grid})
        for p in ("zeros", "border")}
store("grid_sample", x=xgs, grid=np.ascontiguousarray(grid[0].transpose(2, 0, 1)), **outs)

# 10. Channel-packed (Packed16) convolutions: a 1×1 over three 16-channel groups into two, and
# unpadded ("valid") 3×3 convs (a 7×12 result: part-filled 6×6 tiles; a 16-wide block on a map
# smaller than one tile), each with LeakyReLU(0.1); SpaceToDepth (sub-position-major channels,
# Packed16.pixelUnshuffle).
xq, wq, bq = rand(1, 48, 7, 13), rand(32, 48, 1, 1, scale=2 / 48 ** 0.5), rand(32, scale=0.3)
leaky = [N("LeakyRelu", ["c"], alpha=0.1)]
store("conv1x1_packed", x=xq, w=wq, b=bq,
      y=run([N("Conv", ["x", "w", "b"], ["c"])] + leaky, {"x": xq, "w": wq, "b": bq}))
for name, ci, co, h, w in (("conv_valid", 32, 32, 9, 14), ("conv_valid_small", 16, 16, 4, 5)):
    xv, wv, bv = rand(1, ci, h, w), rand(co, ci, 3, 3, scale=2 / (9 * ci) ** 0.5), rand(co, scale=0.3)
    store(name, x=xv, w=wv, b=bv,
          y=run([N("Conv", ["x", "w", "b"], ["c"], pads=[0] * 4)] + leaky, {"x": xv, "w": wv, "b": bv}))
# An unpadded 3×3 conv from few CHW channels (RGB) to a packed result (FewToPacked); a row of
# fewer than six outputs.
for name, ci, co, h, w in (("conv_valid_few", 3, 32, 9, 14), ("conv_valid_few_small", 2, 16, 5, 6)):
    xv, wv, bv = rand(1, ci, h, w), rand(co, ci, 3, 3, scale=2 / (9 * ci) ** 0.5), rand(co, scale=0.3)
    store(name, x=xv, w=wv, b=bv,
          y=run([N("Conv", ["x", "w", "b"], ["c"], pads=[0] * 4)] + leaky, {"x": xv, "w": wv, "b": bv}))
# 2×2 stride-2 Conv and ConvTranspose (a 1×1 conv fused with SpaceToDepth / DepthToSpace).
xd2, wd2, bd2 = rand(1, 32, 6, 14), rand(32, 32, 2, 2, scale=2 / 128 ** 0.5), rand(32, scale=0.3)
store("conv_2x2_stride2", x=xd2, w=wd2, b=bd2,
      y=run([N("Conv", ["x", "w", "b"], ["c"], kernel_shape=[2, 2], strides=[2, 2])] + leaky,
            {"x": xd2, "w": wd2, "b": bd2}))
xt2, wt2, bt2 = rand(1, 32, 5, 7), rand(32, 16, 2, 2, scale=2 / 32 ** 0.5), rand(16, scale=0.3)
store("convtranspose_2x2_stride2", x=xt2, w=wt2, b=bt2,
      y=run([N("ConvTranspose", ["x", "w", "b"], ["c"], kernel_shape=[2, 2], strides=[2, 2])] + leaky,
            {"x": xt2, "w": wt2, "b": bt2}))
xs = rand(1, 16, 6, 10)
store("space_to_depth", x=xs, y=run([N("SpaceToDepth", ["x"], blocksize=2)], {"x": xs}))
# The 2×2 stride-2 ConvTranspose + LeakyReLU with the centre of a larger map added (a U-Net skip,
# `crop(skip, 3) + y`: PackedPointwise's skip).
xk, wk, bk = rand(1, 32, 5, 7), rand(32, 16, 2, 2, scale=2 / 32 ** 0.5), rand(16, scale=0.3)
sk = rand(1, 16, 16, 20)
store("convtranspose_2x2_stride2_skip", x=xk, w=wk, b=bk, skip=sk,
      y=run([N("ConvTranspose", ["x", "w", "b"], ["c"], kernel_shape=[2, 2], strides=[2, 2]),
             N("LeakyRelu", ["c"], ["a"], alpha=0.1), const("st", [3, 3]), const("en", [13, 17]),
             const("ax", [2, 3]), N("Slice", ["skip", "st", "en", "ax"], ["s"]), N("Add", ["s", "a"])],
            {"x": xk, "w": wk, "b": bk, "skip": sk}))

# GroupNorm and a partial conv on 32 channels, which the tests also run channel-packed (16 per group):
# GroupNorm with 4 groups of 8 (half a packed group each) and 2 of 16; a 5×5 16 → 16 conv on the
# leading 16 channels.
xq, gq, bq = rand(1, 32, 6, 11, scale=3) + 1, rand(32) + 1, rand(32)
for groups in (4, 2):
    store(f"groupnorm32_g{groups}", {"groups": groups}, x=xq, g=gq, b=bq,
          y=run([N("GroupNormalization", ["x", "g", "b"], num_groups=groups, epsilon=1e-5)],
                {"x": xq, "g": gq, "b": bq}))
wq, bw = rand(16, 16, 5, 5, scale=0.2), rand(16)
nodes = [N("Split", ["x", "sp"], ["h", "t"], axis=1), const("sp", [16, 16]),
         N("Conv", ["h", "w", "b"], ["c"], pads=[2] * 4), N("Concat", ["c", "t"], axis=1)]
store("conv_partial16of32", x=xq, w=wq, b=bw, y=run(nodes, {"x": xq, "w": wq, "b": bw}))

write("ops")
