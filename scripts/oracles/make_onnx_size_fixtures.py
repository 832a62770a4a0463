#!/usr/bin/env python3
"""Fixed-size ONNX fixtures for the size check of EnhanceONNX (issue 25): PyTorch exports with a static
1x3x16x16 input, some of which compute the same thing at any size and some of which fold the 16 into
their graph, each with onnxruntime's output on a seeded input at the fixed size.

Two steps, two venvs (PyTorch never runs in CI), after make_onnx_fixtures.py's (whose builders and
dynamic exports these reuse):

    /work/torch-venv/bin/python scripts/oracles/make_onnx_size_fixtures.py export /tmp/onnx-size
    /tmp/enh-oracles-venv/bin/python scripts/oracles/make_onnx_size_fixtures.py reference /tmp/onnx-size

``export`` writes ``<name>.onnx`` (TorchScript exporter, opset 17, static input, the weights of
make_onnx_fixtures.py's builder of the same name: same seed). ``reference`` runs each with
onnxruntime at 16x16 (``<name>.io.safetensors``), and for the size-free ones also runs the dynamic
export of the same weights from the fixtures folder at another size (``<name>_other.io.safetensors``:
what Enhance must compute when it runs the static file at that size), after checking that the two
files hold the same float initializers. It then adds the files to the fixtures' ``manifest.json``
and copies them to Tests/EnhanceONNXTests/Fixtures.
"""
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "EnhanceONNXTests", "Fixtures")
SIDE = 16

# name -> (builder, the dynamic fixture with the same weights or None, (h, w) the other run is at)
EXPORTS = {
    # spandrel's SPAN (4 features): convolutions, SiLU, pixel shuffle. Nothing in it reads the size.
    "span_x4_o17_static16": ("span", "span_x4_o17_dyn", (11, 13)),
    # The tiny RRDBNet of make_onnx_fixtures.py (no family): nearest x2 by scale factors.
    "rrdb_x4_o17_static16": ("rrdb", "rrdb_x4_o17_dyn", (13, 9)),
    # spandrel's RCAN: its output cropped to [:h*scale, :w*scale], which folds to a crop at 32.
    "rcan_x2_o17_static16": ("rcan", "rcan_x2_o17_dyn", (13, 11)),
    # Size folded in: a Reshape back to [1, 8, 16, 16] (fails at other sizes) ...
    "baked_tokens_o17_static16": ("tokens", None, None),
    # ... and a mean as a sum divided by 256 (runs at other sizes, computing something else).
    "baked_mean_o17_static16": ("mean", None, None),
}


def builders():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    sys.path.insert(0, HERE)
    from make_onnx_fixtures import builders as family_builders

    made = family_builders()

    class Tokens(nn.Module):
        """A linear layer over each pixel's features, as token code writes it: flatten, transpose,
        Linear, transpose back and view as [b, c, h, w] (h and w read from the tensor)."""

        def __init__(self):
            super().__init__()
            self.head = nn.Conv2d(3, 8, 3, 1, 1)
            self.mix = nn.Linear(8, 8)
            self.tail = nn.Conv2d(8, 12, 3, 1, 1)

        def forward(self, x):
            f = self.head(x)
            b, c, h, w = f.shape
            t = self.mix(f.flatten(2).transpose(1, 2))
            f = f + t.transpose(1, 2).reshape(b, c, h, w)
            return F.pixel_shuffle(self.tail(f), 2)

    class Mean(nn.Module):
        """Each channel less its mean over the image, the mean written as a sum over h * w."""

        def __init__(self):
            super().__init__()
            self.head = nn.Conv2d(3, 8, 3, 1, 1)
            self.tail = nn.Conv2d(8, 12, 3, 1, 1)

        def forward(self, x):
            f = self.head(x)
            f = f - f.sum(dim=(2, 3), keepdim=True) / (f.shape[2] * f.shape[3])
            return F.pixel_shuffle(self.tail(F.relu(f)), 2)

    def perturbed(m):
        g = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for t in m.parameters():
                t.add_(torch.randn(t.shape, generator=g) * 0.05)
        return m.eval()

    made["tokens"] = lambda: perturbed(Tokens())
    made["mean"] = lambda: perturbed(Mean())
    return made


def export(out):
    import torch
    os.makedirs(out, exist_ok=True)
    made = builders()
    for name, (builder, _, _) in EXPORTS.items():
        torch.manual_seed(0)  # as make_onnx_fixtures.py's export: the same weights as its builder's
        model = made[builder]()
        x = torch.rand((1, 3, SIDE, SIDE))
        path = os.path.join(out, name + ".onnx")
        with torch.no_grad():
            torch.onnx.export(model, (x,), path, opset_version=17, input_names=["input"],
                              output_names=["output"], dynamo=False)
        print(f"{name}: {os.path.getsize(path)} bytes", file=sys.stderr)


def reference(out):
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper
    from safetensors.numpy import save_file

    def run(path, x):
        return ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]

    def floats(path):
        m = onnx.load(path)
        return {t.name: numpy_helper.to_array(t) for t in m.graph.initializer if t.data_type == 1}

    for name, (_, dynamic, other) in EXPORTS.items():
        path = os.path.join(out, name + ".onnx")
        onnx.checker.check_model(onnx.load(path))
        x = np.random.default_rng(1234).random((1, 3, SIDE, SIDE), dtype=np.float32)
        y = run(path, x)
        save_file({"input": x, "output": y}, os.path.join(out, name + ".io.safetensors"))
        print(f"{name}: {x.shape} -> {y.shape}, range {y.min():.3f}..{y.max():.3f}", file=sys.stderr)
        if dynamic is None:
            continue
        dyn = os.path.join(OUT, dynamic + ".onnx")
        a, b = floats(path), floats(dyn)
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a), f"{name}: weights differ"
        x = np.random.default_rng(4321).random((1, 3) + other, dtype=np.float32)
        y = run(dyn, x)
        save_file({"input": x, "output": y}, os.path.join(out, name + "_other.io.safetensors"))
        print(f"{name} (as {dynamic}): {x.shape} -> {y.shape}", file=sys.stderr)
    with open(os.path.join(OUT, "manifest.json")) as fh:
        manifest = json.load(fh)
    for name in EXPORTS:
        m = onnx.load(os.path.join(out, name + ".onnx"))
        ops = {}
        for n in m.graph.node:
            ops[n.op_type] = ops.get(n.op_type, 0) + 1
        floats_ = [t for t in m.graph.initializer if t.data_type in (1, 10, 11, 16)]
        dims = [d.dim_value if d.HasField("dim_value") else None
                for d in m.graph.input[0].type.tensor_type.shape.dim]
        manifest[name + ".onnx"] = {"producer": m.producer_name, "opset": m.opset_import[0].version,
                                    "parameters": int(sum(np.prod(t.dims) for t in floats_)), "ops": ops,
                                    "initializers": len(m.graph.initializer), "input_dims": dims}
    with open(os.path.join(OUT, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
    for f in os.listdir(out):
        shutil.copy(os.path.join(out, f), OUT)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("export", "reference"):
        sys.exit(__doc__)
    {"export": export, "reference": reference}[sys.argv[1]](sys.argv[2])
