#!/usr/bin/env python3
"""ONNX oracle fixtures for EnhanceONNX (issue 25): graphs exported by PyTorch from tiny random
instances of the families Enhance runs, graphs built with onnx.helper for ops no family uses, and
malformed files, each with onnxruntime's output on a small deterministic input.

Two steps, two venvs (PyTorch never runs in CI):

    /work/torch-venv/bin/python scripts/oracles/make_onnx_fixtures.py export /tmp/onnx-export
    /tmp/enh-oracles-venv/bin/python scripts/oracles/make_onnx_fixtures.py reference /tmp/onnx-export

``export`` writes ``<name>.onnx`` (torch.onnx.export, TorchScript exporter) for each case: opsets 13
and 17, float32 and float16 (``model.half()``: the whole graph in fp16, as fp16 files in model
collections are), static 1x3xHxW inputs and dynamic height/width axes (exported at 16x16, run at
another size so shape subgraphs fold per size). ``reference`` adds the onnx.helper graphs, the bad
files and copies of some exports as other tools leave them (``RENAMED``: initializers renamed, node
scopes stripped, a weight negated, the forward pass altered; the native fast path by structure),
runs every good graph with onnxruntime on a seeded input in [0, 1] and writes
``<name>.io.safetensors`` (``input`` and ``output``, float32; an fp16 graph's input is the float16
input widened), then copies everything to Tests/EnhanceONNXTests/Fixtures.

    /tmp/enh-oracles-venv/bin/python scripts/oracles/make_onnx_fixtures.py real DIR

writes onnxruntime's outputs for the real-size graphs in DIR (local check, ONNXRealSizeTests).

make_onnx_size_fixtures.py adds static 16x16 exports (some holding their size) for the size check.
"""
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "EnhanceONNXTests", "Fixtures")

# name -> (builder, opset, fp16, dynamic, (h, w) the reference runs at)
EXPORTS = {
    "compact_x4_o17_dyn": ("compact", 17, False, True, (12, 10)),
    # The same graph with other weights: the GAN end of an ONNX pair (blend oracle below).
    "compact_x4_o17_dyn_b": ("compact_b", 17, False, True, (12, 10)),
    "compact_x4_o13_static": ("compact", 13, False, False, (12, 10)),
    "compact_x4_o17_fp16": ("compact", 17, True, False, (12, 10)),
    "msrresnet_x4_o13_dyn": ("msrresnet", 13, False, True, (10, 12)),
    "rrdb_x4_o17_dyn": ("rrdb", 17, False, True, (9, 11)),
    # spandrel's ESRGAN RRDBNet (the original repository's key layout), one block, 4 features, growth 2.
    "esrgan_x4_o17_dyn": ("esrgan", 17, False, True, (9, 11)),
    "rrdb_x4_o13_fp16_dyn": ("rrdb", 13, True, True, (9, 11)),
    "span_x4_o17_dyn": ("span", 17, False, True, (12, 10)),
    "realplksr_x4_o17_dyn": ("realplksr", 17, False, True, (12, 10)),
    "realplksr_ln_x4_o13_static": ("realplksr_ln", 13, False, False, (12, 10)),
    "realplksr_x4_o17_fp16": ("realplksr", 17, True, False, (12, 10)),
    "swinir_x2_o17_static": ("swinir", 17, False, False, (8, 8)),
    "swinir_x2_o13_static": ("swinir", 13, False, False, (8, 8)),
    "rcan_x2_o17_dyn": ("rcan", 17, False, True, (11, 13)),
    "opmix_o17_dyn": ("opmix", 17, False, True, (12, 10)),
    "opmix_o13_static": ("opmix", 13, False, False, (12, 10)),
}


def builders():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    sys.path.insert(0, HERE)
    from spandrel.architectures.Compact import Compact as SRVGGNetCompact
    from spandrel.architectures.SPAN import SPAN
    from spandrel.architectures.PLKSR import RealPLKSR
    from spandrel.architectures.RCAN import RCAN
    from spandrel.architectures.ESRGAN import ESRGAN as RRDBNet
    from spandrel.architectures.__arch_helpers import block as B
    from spandrel_cases.swinir import swinir

    class TinyMSRResNet(nn.Module):
        """BasicSR's MSRResNet shape: residual blocks without BN, two x2 pixel-shuffle stages, plus
        the bilinearly upsampled input."""

        def __init__(self, nf=8, nb=2):
            super().__init__()
            self.conv_first = nn.Conv2d(3, nf, 3, 1, 1)
            self.body = nn.ModuleList([nn.Sequential(nn.Conv2d(nf, nf, 3, 1, 1), nn.ReLU(),
                                                     nn.Conv2d(nf, nf, 3, 1, 1)) for _ in range(nb)])
            self.up1 = nn.Conv2d(nf, nf * 4, 3, 1, 1)
            self.up2 = nn.Conv2d(nf, nf * 4, 3, 1, 1)
            self.conv_hr = nn.Conv2d(nf, nf, 3, 1, 1)
            self.conv_last = nn.Conv2d(nf, 3, 3, 1, 1)

        def forward(self, x):
            lrelu = lambda t: F.leaky_relu(t, 0.1)  # noqa: E731
            f = lrelu(self.conv_first(x))
            for b in self.body:
                f = f + b(f)
            f = lrelu(F.pixel_shuffle(self.up1(f), 2))
            f = lrelu(F.pixel_shuffle(self.up2(f), 2))
            out = self.conv_last(lrelu(self.conv_hr(f)))
            return out + F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False)

    class RDB(nn.Module):
        def __init__(self, nf, gc):
            super().__init__()
            self.convs = nn.ModuleList([nn.Conv2d(nf + i * gc, gc if i < 4 else nf, 3, 1, 1) for i in range(5)])

        def forward(self, x):
            feats = [x]
            for i, c in enumerate(self.convs):
                y = c(torch.cat(feats, 1))
                if i < 4:
                    feats.append(F.leaky_relu(y, 0.2))
            return y * 0.2 + x

    class TinyRRDBNet(nn.Module):
        """ESRGAN's RRDBNet shape (dense blocks, nearest x2 twice) with tiny widths."""

        def __init__(self, nf=8, gc=4):
            super().__init__()
            self.conv_first = nn.Conv2d(3, nf, 3, 1, 1)
            self.rdbs = nn.ModuleList([RDB(nf, gc) for _ in range(3)])
            self.conv_body = nn.Conv2d(nf, nf, 3, 1, 1)
            self.conv_up1 = nn.Conv2d(nf, nf, 3, 1, 1)
            self.conv_up2 = nn.Conv2d(nf, nf, 3, 1, 1)
            self.conv_hr = nn.Conv2d(nf, nf, 3, 1, 1)
            self.conv_last = nn.Conv2d(nf, 3, 3, 1, 1)

        def forward(self, x):
            f = self.conv_first(x)
            b = f
            for r in self.rdbs:
                b = r(b)
            f = f + self.conv_body(b * 0.2 + f)
            f = F.leaky_relu(self.conv_up1(F.interpolate(f, scale_factor=2, mode="nearest")), 0.2)
            f = F.leaky_relu(self.conv_up2(F.interpolate(f, scale_factor=2, mode="nearest")), 0.2)
            return self.conv_last(F.leaky_relu(self.conv_hr(f), 0.2))

    class OpMix(nn.Module):
        """Ops no family uses together: strided, dilated, grouped, depthwise and transposed convs,
        reflect/replicate/constant padding, bilinear resizes (both corner modes), softmax over
        channels, layer norm over channels, erf-GELU, clamp, tanh, sigmoid, sqrt, pow, division,
        chunk/split and slicing, a global mean, a matmul of pixels by a matrix."""

        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(3, 8, 3, 1, 1)
            self.down = nn.Conv2d(8, 8, 4, 2, 1)
            self.dil = nn.Conv2d(8, 8, 3, 1, 2, dilation=2)
            self.grp = nn.Conv2d(8, 8, 3, 1, 1, groups=2)
            self.dw = nn.Conv2d(8, 8, 5, 1, 2, groups=8)
            self.up = nn.ConvTranspose2d(8, 8, 4, 2, 1)
            self.ln = nn.LayerNorm(8)
            self.mat = nn.Parameter(torch.randn(8, 8) * 0.3)
            self.out = nn.Conv2d(8, 12, 3, 1, 1)
            self.valid = nn.Conv2d(8, 8, (3, 1), 1, 0)

        def forward(self, x):
            f = F.gelu(self.c1(x))
            d = torch.tanh(self.down(F.pad(f, (1, 1, 1, 1), mode="reflect")))
            d = F.interpolate(d, scale_factor=2, mode="bilinear", align_corners=True)
            d = d[:, :, 1:-1, 1:-1]
            f = f + F.interpolate(d, size=(f.shape[2], f.shape[3]), mode="bilinear", align_corners=False)
            a, b = torch.chunk(self.grp(f), 2, dim=1)
            f = torch.cat([torch.sigmoid(a) * b, torch.clamp(a, -0.5, 0.5) + b], 1)
            f = self.dil(f) + self.dw(F.pad(f, (2, 2, 2, 2), mode="replicate"))[:, :, 2:-2, 2:-2]
            f = f + torch.softmax(f, dim=1) * 0.5
            t = self.ln(f.permute(0, 2, 3, 1))
            t = torch.matmul(t, self.mat)
            f = f + t.permute(0, 3, 1, 2)
            f = f / torch.sqrt(f.pow(2).mean(dim=(2, 3), keepdim=True) + 1e-3)
            v = self.valid(F.pad(f, (0, 0, 1, 1), mode="constant", value=0.25))
            f = f + v
            u = self.up(f)
            u = u[:, :, ::2, ::2]
            return F.pixel_shuffle(self.out(u + f), 2)

    def perturbed(m, seed=1, scale=0.05):
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for _, t in list(m.named_parameters()) + list(m.named_buffers()):
                if t.is_floating_point():
                    t.add_(torch.randn(t.shape, generator=g) * scale)
        return m.eval()

    def esrgan():
        """spandrel's RRDBNet with growth 2 (it builds 32): the block replaced by one of its own class."""
        m = RRDBNet(num_filters=4, num_blocks=1, scale=4)
        m.model[1].sub[0] = B.RRDB(nf=4, kernel_size=3, gc=2, norm_type=None, act_type="leakyrelu", mode="CNA")
        return perturbed(m)

    torch.manual_seed(0)
    return {
        "compact": lambda: perturbed(SRVGGNetCompact(num_feat=8, num_conv=2, upscale=4, act_type="prelu")),
        "compact_b": lambda: perturbed(SRVGGNetCompact(num_feat=8, num_conv=2, upscale=4, act_type="prelu"), seed=2,
                                       scale=0.2),
        "msrresnet": lambda: perturbed(TinyMSRResNet()),
        "rrdb": lambda: perturbed(TinyRRDBNet()),
        "span": lambda: perturbed(SPAN(num_in_ch=3, num_out_ch=3, feature_channels=4, upscale=4)),
        "realplksr": lambda: perturbed(RealPLKSR(dim=8, n_blocks=2, upscaling_factor=4, kernel_size=7,
                                                 split_ratio=0.25)),
        "realplksr_ln": lambda: perturbed(RealPLKSR(dim=8, n_blocks=1, upscaling_factor=4, kernel_size=5,
                                                    split_ratio=0.25, layer_norm=True)),
        "swinir": lambda: perturbed(swinir(embed=8, depths=(2,), heads=(2,), window=4, img_size=8, scale=2),
                                    scale=0.02),
        "rcan": lambda: perturbed(RCAN(scale=2, n_resgroups=1, n_resblocks=1, n_feats=8, reduction=4)),
        "esrgan": esrgan,
        "opmix": lambda: perturbed(OpMix()),
    }


def export(out):
    import torch
    os.makedirs(out, exist_ok=True)
    made = builders()
    for name, (builder, opset, fp16, dynamic, size) in EXPORTS.items():
        torch.manual_seed(0)
        model = made[builder]()
        shape = (1, 3, 16, 16) if dynamic else (1, 3) + size
        x = torch.rand(shape)
        if fp16:
            model, x = model.half(), x.half()
        axes = {"input": {2: "height", 3: "width"}, "output": {2: "out_height", 3: "out_width"}}
        path = os.path.join(out, name + ".onnx")
        with torch.no_grad():
            torch.onnx.export(model, (x,), path, opset_version=opset, input_names=["input"],
                              output_names=["output"], dynamic_axes=axes if dynamic else None, dynamo=False)
        print(f"{name}: {os.path.getsize(path)} bytes", file=sys.stderr)


# Exports as other tools leave them (issue 25's native fast path by structure): name -> (export, change).
# Each is renamed: every initializer renamed onnx::W_<i> (node inputs follow), node names (PyTorch's
# module scopes) kept. "strip": also the names of the nodes whose name contains it removed (no scope:
# placed by position); "flip": also the initializer first named so negated (other weights: still the
# family's forward); "linear": also every Resize made bilinear; "extra": also a Mul by 1.25 after the
# node so named. The last two compute something else than their family: they run as graphs.
RENAMED = {
    "esrgan_x4_o17_dyn_renamed": ("esrgan_x4_o17_dyn", {}),
    "esrgan_x4_o17_dyn_noscope": ("esrgan_x4_o17_dyn", {"strip": "RDB2"}),
    "esrgan_x4_o17_dyn_flipped": ("esrgan_x4_o17_dyn", {"flip": "model.1.sub.0.RDB2.conv3.0.weight"}),
    "esrgan_x4_o17_dyn_bilinear": ("esrgan_x4_o17_dyn", {"linear": True}),
    "span_x4_o17_dyn_renamed": ("span_x4_o17_dyn", {}),
    "swinir_x2_o17_static_renamed": ("swinir_x2_o17_static", {}),
    "swinir_x2_o17_static_extra": ("swinir_x2_o17_static", {"extra": "/conv_after_body/Conv"}),
}


def renamed_exports(out):
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    for name, (src, change) in RENAMED.items():
        m = onnx.load(os.path.join(out, src + ".onnx"))
        g = m.graph
        if "flip" in change:
            t = next(t for t in g.initializer if t.name == change["flip"])
            t.CopyFrom(numpy_helper.from_array(-numpy_helper.to_array(t), t.name))
        new = {t.name: f"onnx::W_{i}" for i, t in enumerate(g.initializer)}
        for t in g.initializer:
            t.name = new[t.name]
        for n in g.node:
            n.input[:] = [new.get(x, x) for x in n.input]
            if "strip" in change and change["strip"] in n.name:
                n.name = ""
            if "linear" in change and n.op_type == "Resize":
                for a in n.attribute:
                    if a.name == "mode":
                        a.s = b"linear"
        if "extra" in change:
            i, n = next((i, n) for i, n in enumerate(g.node) if n.name == change["extra"])
            y = n.output[0]
            n.output[0] = y + "_before_extra"
            g.initializer.append(numpy_helper.from_array(np.array(1.25, np.float32), "onnx::W_extra"))
            g.node.insert(i + 1, helper.make_node("Mul", [n.output[0], "onnx::W_extra"], [y], name="/extra/Mul"))
        onnx.save(m, os.path.join(out, name + ".onnx"))


def helper_graphs(out):
    """Graphs with ops the exports above do not produce (or not in these forms)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(7)

    def init(name, a):
        return numpy_helper.from_array(np.asarray(a), name)

    def save(name, nodes, inits, opset, out_channels=3, scale=2, ins=None, extra_out=None):
        x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, "h", "w"])
        y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, out_channels, "H", "W"])
        g = helper.make_graph(nodes, name, [x], [y], inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="onnx.helper")
        m.ir_version = 8
        onnx.save(m, os.path.join(out, name + ".onnx"))

    w1 = rng.standard_normal((12, 3, 3, 3)).astype(np.float32) * 0.3
    nodes = [
        helper.make_node("Conv", ["input", "w1"], ["c1"], pads=[1, 1, 1, 1], name="conv"),
        helper.make_node("DepthToSpace", ["c1"], ["d"], blocksize=2, mode="CRD", name="d2s_crd"),
        helper.make_node("Shape", ["d"], ["shp"]),
        helper.make_node("Gather", ["shp", "idx23"], ["hw"], axis=0),
        helper.make_node("ReduceProd", ["hw"], ["npix"], keepdims=1),
        helper.make_node("Concat", ["three", "npix"], ["flat_shape"], axis=0),
        helper.make_node("Reshape", ["d", "flat_shape"], ["flat"]),
        helper.make_node("Transpose", ["flat"], ["tok"], perm=[1, 0]),
        helper.make_node("Gemm", ["tok", "gw", "gb"], ["g"], transB=1, alpha=0.5, beta=2.0),
        helper.make_node("LayerNormalization", ["g", "lnw", "lnb"], ["ln"], axis=-1, epsilon=1e-5),
        helper.make_node("Transpose", ["ln"], ["back"], perm=[1, 0]),
        helper.make_node("Reshape", ["back", "shp"], ["r"]),
        helper.make_node("Equal", ["r", "r"], ["eq"]),
        helper.make_node("Greater", ["r", "zero"], ["pos"]),
        helper.make_node("Where", ["pos", "r", "negr"], ["absr"]),
        helper.make_node("Neg", ["r"], ["negr"]),
        helper.make_node("Where", ["eq", "absr", "zero"], ["w"]),
        helper.make_node("Erf", ["w"], ["e"]),
        helper.make_node("Max", ["e", "r"], ["mx"]),
        helper.make_node("Min", ["mx", "one"], ["mn"]),
        helper.make_node("Exp", ["mn"], ["ex"]),
        helper.make_node("Log", ["ex"], ["lg"]),
        helper.make_node("Abs", ["lg"], ["ab"]),
        helper.make_node("Reciprocal", ["ex"], ["rc"]),
        helper.make_node("Sub", ["ab", "rc"], ["output"]),
    ]
    inits = [init("w1", w1), init("idx23", np.array([2, 3], np.int64)), init("three", np.array([3], np.int64)),
             init("gw", rng.standard_normal((3, 3)).astype(np.float32)),
             # float_data rather than raw_data: both forms must be read.
             helper.make_tensor("gb", TensorProto.FLOAT, [3], rng.standard_normal((3,)).tolist(), raw=False),
             init("lnw", rng.standard_normal((3,)).astype(np.float32)),
             init("lnb", rng.standard_normal((3,)).astype(np.float32)),
             init("zero", np.array(0, np.float32)),
             init("one", np.array(1, np.float32))]
    save("helper_tokens_o17", nodes, inits, 17)

    w2 = rng.standard_normal((3, 3, 3, 3)).astype(np.float32) * 0.3
    nodes = [
        helper.make_node("Pad", ["input", "pads"], ["p"], mode="edge"),
        helper.make_node("Conv", ["p", "w2", "b2"], ["c"], name="valid_conv"),
        helper.make_node("Resize", ["c", "", "scales"], ["up"], mode="linear",
                         coordinate_transformation_mode="pytorch_half_pixel"),
        helper.make_node("Resize", ["c", "", "scales"], ["nn"], mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
        helper.make_node("Resize", ["c", "", "scales"], ["hp"], mode="linear",
                         coordinate_transformation_mode="half_pixel"),
        helper.make_node("Add", ["up", "nn"], ["s"]),
        helper.make_node("Sum", ["s", "hp", "hp"], ["s2"]),
        helper.make_node("Clip", ["s2", "lo", "hi"], ["cl"]),
        helper.make_node("Relu", ["cl"], ["re"]),
        helper.make_node("HardSigmoid", ["s2"], ["hs"], alpha=0.2, beta=0.5),
        helper.make_node("Mul", ["re", "hs"], ["mm"]),
        helper.make_node("Flatten", ["mm"], ["fl"], axis=2),
        helper.make_node("Shape", ["mm"], ["mshape"]),
        helper.make_node("Reshape", ["fl", "mshape"], ["output"]),
    ]
    inits = [init("pads", np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)), init("w2", w2),
             init("b2", rng.standard_normal((3,)).astype(np.float32)),
             init("scales", np.array([1, 1, 2, 2], np.float32)), init("lo", np.array(-1.0, np.float32)),
             init("hi", np.array(1.5, np.float32))]
    save("helper_resize_o13", nodes, inits, 13)

    save("helper_resize_o21", nodes, inits, 21)

    # A pixel-unshuffle graph: sides must be even (SpaceToDepth 2, then a x4 shuffle: x2 in all).
    w3 = rng.standard_normal((48, 12, 3, 3)).astype(np.float32) * 0.2
    nodes = [helper.make_node("SpaceToDepth", ["input"], ["s"], blocksize=2),
             helper.make_node("Conv", ["s", "w3"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("DepthToSpace", ["c"], ["output"], blocksize=4, mode="CRD")]
    save("helper_unshuffle_o17", nodes, [init("w3", w3)], 17)

    # PyTorch's pixel shuffle spelled out: Reshape [1, C, r, r, H, W], Transpose, Reshape (fixed 6 x 5).
    nodes = [helper.make_node("Conv", ["input", "w1"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Reshape", ["c", "s6"], ["r6"]),
             helper.make_node("Transpose", ["r6"], ["t6"], perm=[0, 1, 4, 2, 5, 3]),
             helper.make_node("Reshape", ["t6", "s4"], ["output"])]
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 6, 5])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3, 12, 10])
    g = helper.make_graph(nodes, "rtr", [x], [y], [init("w1", w1), init("s6", np.array([1, 3, 2, 2, 6, 5])),
                                                  init("s4", np.array([1, 3, 12, 10]))])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="onnx.helper")
    m.ir_version = 8
    onnx.save(m, os.path.join(out, "helper_rtr_o17.onnx"))


def bad_files(out):
    """Files each loader check must refuse (no reference output)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def model(nodes, inits, opset=17, inputs=None):
        x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, "h", "w"])
        y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3, "h", "w"])
        g = helper.make_graph(nodes, "bad", inputs or [x], [y], inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="bad")
        m.ir_version = 8
        return m

    w = numpy_helper.from_array(np.zeros((3, 3, 3, 3), np.float32), "w")
    conv = helper.make_node("Conv", ["input", "w"], ["output"], pads=[1, 1, 1, 1], name="conv")
    bad = os.path.join(out, "bad")
    os.makedirs(bad, exist_ok=True)

    def save(name, m):
        with open(os.path.join(bad, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())

    save("opset9", model([conv], [w], opset=9))
    save("unsupported_op", model([helper.make_node("NonMaxSuppression", ["input"], ["output"], name="nms")], []))
    save("cycle", model([helper.make_node("Relu", ["b"], ["a"], name="r1"),
                         helper.make_node("Relu", ["a"], ["b"], name="r2"),
                         helper.make_node("Add", ["input", "b"], ["output"], name="add")], []))
    save("missing_input", model([helper.make_node("Add", ["input", "nowhere"], ["output"], name="add")], []))
    big = onnx.TensorProto()
    big.name, big.data_type = "w", TensorProto.FLOAT
    big.dims.extend([4096, 4096, 3, 3])
    big.raw_data = b"\0" * 64
    save("short_raw_data", model([conv], [big]))
    huge = onnx.TensorProto()
    huge.name, huge.data_type = "w", TensorProto.FLOAT
    huge.dims.extend([1 << 20, 1 << 20, 3, 3])
    huge.data_location = TensorProto.EXTERNAL
    for k, v in [("location", "weights.bin"), ("offset", "0"), ("length", str(1 << 42))]:
        e = huge.external_data.add()
        e.key, e.value = k, v
    save("external_too_large", model([conv], [huge]))
    for name, loc in [("external_parent", "../weights.bin"), ("external_absolute", "/etc/passwd")]:
        t = onnx.TensorProto()
        t.name, t.data_type = "w", TensorProto.FLOAT
        t.dims.extend([3, 3, 3, 3])
        t.data_location = TensorProto.EXTERNAL
        e = t.external_data.add()
        e.key, e.value = "location", loc
        save(name, model([conv], [t]))
    wrong = numpy_helper.from_array(np.zeros((3, 3, 3, 3), np.int64), "w")  # integer conv weights
    save("string_weights", model([conv], [helper.make_tensor("w", TensorProto.STRING, [1], [b"x"])]))
    save("int_weights", model([conv], [wrong]))
    with open(os.path.join(bad, "truncated.onnx"), "wb") as f:
        f.write(model([conv], [w]).SerializeToString()[:-7])
    with open(os.path.join(bad, "garbage.onnx"), "wb") as f:
        f.write(bytes([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) + b"not a model")
    # A good model with its weights in an external file beside it (the loader must read it).
    ext = model([conv], [numpy_helper.from_array(np.full((3, 3, 3, 3), 0.125, np.float32), "w")])
    if os.path.exists(os.path.join(out, "external_ok.weights")):  # onnx.save appends to it
        os.remove(os.path.join(out, "external_ok.weights"))
    onnx.save(ext, os.path.join(out, "external_ok.onnx"), save_as_external_data=True,
              all_tensors_to_one_file=True, location="external_ok.weights", size_threshold=0)


def reference(out):
    import numpy as np
    import onnx
    import onnxruntime as ort
    from safetensors.numpy import save_file

    helper_graphs(out)
    bad_files(out)
    renamed_exports(out)
    sizes = {name: size for name, (_, _, _, _, size) in EXPORTS.items()}
    sizes.update({name: sizes[src] for name, (src, _) in RENAMED.items()})
    sizes.update({"helper_rtr_o17": (6, 5), "helper_unshuffle_o17": (6, 8), "helper_tokens_o17": (6, 5), "helper_resize_o13": (7, 6),
                  "helper_resize_o21": (7, 6),
                  "external_ok": (5, 4)})
    for name, (h, w) in sizes.items():
        path = os.path.join(out, name + ".onnx")
        m = onnx.load(path)
        if not name.startswith("helper_tokens"):  # its nodes are out of order on purpose
            onnx.checker.check_model(m)
        fp16 = m.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT16
        rng = np.random.default_rng(1234)
        x = rng.random((1, 3, h, w), dtype=np.float32)
        if fp16:
            x = x.astype(np.float16)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        y = sess.run(None, {sess.get_inputs()[0].name: x})[0]
        save_file({"input": x.astype(np.float32), "output": y.astype(np.float32)},
                  os.path.join(out, name + ".io.safetensors"))
        print(f"{name}: {x.shape} -> {y.shape}, range {y.min():.3f}..{y.max():.3f}", file=sys.stderr)
    # A fixed-size graph (of no family: families run natively at any size) run on a smaller input:
    # Enhance pads it (edge pixels repeated) to the graph's size and crops the output; the oracle
    # does the same around onnxruntime.
    path = os.path.join(out, "opmix_o13_static.onnx")
    x = np.random.default_rng(99).random((1, 3, 9, 7), dtype=np.float32)
    padded = np.pad(x, ((0, 0), (0, 0), (0, 3), (0, 3)), mode="edge")
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    y = sess.run(None, {"input": padded})[0][:, :, :18, :14]
    save_file({"input": x, "output": np.ascontiguousarray(y)},
              os.path.join(out, "opmix_o13_static_pad.io.safetensors"))
    # The pair's blend at alpha 0.3: theta = 0.7 theta_A + 0.3 theta_B over every float initializer,
    # done here with numpy on the two files, then run by onnxruntime.
    a = onnx.load(os.path.join(out, "compact_x4_o17_dyn.onnx"))
    b = {t.name: t for t in onnx.load(os.path.join(out, "compact_x4_o17_dyn_b.onnx")).graph.initializer}
    for t in a.graph.initializer:
        if t.data_type == onnx.TensorProto.FLOAT:
            va, vb = onnx.numpy_helper.to_array(t), onnx.numpy_helper.to_array(b[t.name])
            t.CopyFrom(onnx.numpy_helper.from_array((0.7 * va + 0.3 * vb).astype(np.float32), t.name))
    blended = os.path.join("/tmp", "compact_blend_a03.onnx")
    onnx.save(a, blended)
    x = np.random.default_rng(1234).random((1, 3, 12, 10), dtype=np.float32)
    y = ort.InferenceSession(blended, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    save_file({"input": x, "output": y}, os.path.join(out, "compact_blend_a03.io.safetensors"))
    # The unshuffle graph on an odd input: Enhance pads it to even sides (edge pixels) and crops.
    x = np.random.default_rng(98).random((1, 3, 7, 9), dtype=np.float32)
    sess = ort.InferenceSession(os.path.join(out, "helper_unshuffle_o17.onnx"), providers=["CPUExecutionProvider"])
    y = sess.run(None, {"input": np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 1)), mode="edge")})[0][:, :, :14, :18]
    save_file({"input": x, "output": np.ascontiguousarray(y)},
              os.path.join(out, "helper_unshuffle_o17_odd.io.safetensors"))
    manifest = {}
    for f in sorted(os.listdir(out)):
        if f.endswith(".onnx"):
            m = onnx.load(os.path.join(out, f))
            floats = [t for t in m.graph.initializer if t.data_type in (1, 10, 11, 16)]
            ops = {}
            for n in m.graph.node:
                ops[n.op_type] = ops.get(n.op_type, 0) + 1
            dims = [d.dim_value if d.HasField("dim_value") else None
                    for d in m.graph.input[0].type.tensor_type.shape.dim]
            manifest[f] = {"producer": m.producer_name, "opset": m.opset_import[0].version,
                           "parameters": int(sum(np.prod(t.dims) for t in floats)), "ops": ops,
                           "initializers": len(m.graph.initializer), "input_dims": dims}
    with open(os.path.join(out, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(out):
        src = os.path.join(out, f)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(OUT, f), dirs_exist_ok=True)
        else:
            shutil.copy(src, OUT)


def real(folder):
    """onnxruntime's output for every .onnx file in `folder` (e.g. the real-size graphs of
    scripts/bench/export_onnx.py) at its fixed input size, else 64x64, as `<name>.io.safetensors`
    beside it: what ONNXRealSizeTests compares with (ENHANCE_ONNX_REAL_DIR=folder; local, not CI)."""
    import numpy as np
    import onnxruntime as ort
    from safetensors.numpy import save_file
    for f in sorted(os.listdir(folder)):
        if not f.endswith(".onnx"):
            continue
        sess = ort.InferenceSession(os.path.join(folder, f), providers=["CPUExecutionProvider"])
        feed = sess.get_inputs()[0]
        h, w = [d if isinstance(d, int) else 64 for d in feed.shape[2:]]
        x = np.random.default_rng(5).random((1, 3, h, w), dtype=np.float32)
        y = sess.run(None, {feed.name: x.astype(np.float16) if feed.type == "tensor(float16)" else x})[0]
        save_file({"input": x, "output": y.astype(np.float32)},
                  os.path.join(folder, f[:-5] + ".io.safetensors"))
        print(f"{f}: {x.shape} -> {y.shape}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("export", "reference", "real"):
        sys.exit(__doc__)
    {"export": export, "reference": reference, "real": real}[sys.argv[1]](sys.argv[2])
