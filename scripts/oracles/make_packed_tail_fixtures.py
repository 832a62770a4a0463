#!/usr/bin/env python3
"""Builds onnxruntime oracle fixtures for the channel-packed tail ops of EnhanceTensor: the packed
1×1 convolution over concatenated inputs (with activation, scale and residual) and the packed
pixel shuffle to CHW (DepthToSpace, CRD = PyTorch's pixel_shuffle).

Same format as make_op_fixtures.py, in ``Tests/EnhanceTensorTests/Fixtures/packed_tail.{bin,json}``.
Run from the repository root:

    /tmp/enh-oracles-venv/bin/python scripts/oracles/make_packed_tail_fixtures.py
"""
import numpy as np
from onnx import helper, TensorProto

from op_fixture_format import F, N, run, store, write

rng = np.random.default_rng(20261208)


def scalar(name, v):
    return N("Constant", [], [name], value=helper.make_tensor(name, TensorProto.FLOAT, [], [float(v)]))


def rand(*shape, scale=1.0):
    return (rng.uniform(-1, 1, size=shape) * scale).astype(F)


# 1. Packed 1×1 conv over a concatenation: 16 + 16 → 48 channels (a last block of 16) at 5×13
#    (65 pixels: chunks of 48 and 64 leave tails), and 32 → 32 at 4×9 (less than one chunk); SiLU,
#    and identity · ½ + residual.
for name, ins, k, (h, w) in [("pw_cat", (16, 16), 48, (5, 13)), ("pw_32", (32,), 32, (4, 9))]:
    xs = {f"x{i}": rand(1, c, h, w, scale=2) for i, c in enumerate(ins)}
    cin = sum(ins)
    wt = rand(k, cin, 1, 1, scale=2 / cin ** 0.5)
    b = rand(k, scale=0.3)
    res = rand(1, k, h, w)
    allin = dict(xs, w=wt, b=b, res=res)
    conv = [N("Concat", list(xs), ["x"], axis=1), N("Conv", ["x", "w", "b"], ["c"])]
    silu = run(conv + [N("Sigmoid", ["c"], ["s"]), N("Mul", ["c", "s"], ["y"])], dict(xs, w=wt, b=b))
    scaled = run(conv + [scalar("half", 0.5), N("Mul", ["c", "half"], ["m"]), N("Add", ["m", "res"], ["y"])], allin)
    store(name, {"inputs": len(ins)}, w=wt, b=b, res=res, silu=silu, scaled=scaled, **xs)

# 2. Pixel shuffle (DepthToSpace CRD) of packable channel counts: ×4 of 48 (one group per output
#    channel), ×2 of 32 and ×3 of 144 (groups that span several output channels).
for r, c, h, w in [(4, 48, 5, 7), (2, 32, 3, 5), (3, 144, 3, 4)]:
    x = rand(1, c, h, w)
    store(f"shuffle_{r}", {"r": r}, x=x, y=run([N("DepthToSpace", ["x"], blocksize=r, mode="CRD")], {"x": x}))

write("packed_tail")
