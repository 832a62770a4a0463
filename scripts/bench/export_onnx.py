#!/usr/bin/env python3
"""Exports the real-size bench configurations of the spandrel families to ONNX, so onnxruntime and
OpenVINO time the same graph as `enhance bench --networks span,realplksr,realcugan,rcan,swinir-m,hat,dat2`.

Each graph is spandrel's own class (the oracle cases in scripts/oracles/spandrel_cases, real-size
configurations: SPAN ch48 x4, RealPLKSR dim 64 x 28 blocks x4, Real-CUGAN x2, RCAN 10x20 x4, SwinIR-M
x4 nearest+conv as the realSR models, HAT-S x4, DAT-2 x4) with
random weights (timing does not depend on them), in eval mode (SPAN's Conv3XC as its fused 3x3, as
deployed), exported by torch.onnx at opset 17 with a static 1x3xSxS input per size.

Needs PyTorch and spandrel (a venv outside the repository; never in CI):

    /work/torch-venv/bin/python scripts/bench/export_onnx.py [--sizes 128] [--out DIR]

The files land in DIR (default ~/.cache/enhance/bench-onnx) as <bench name>-<size>.onnx, where
ort_bench.py and openvino_bench.py find them.
"""
import argparse
import importlib
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
from spandrel_cases import CASES  # noqa: E402

DEFAULT_DIR = os.path.expanduser("~/.cache/enhance/bench-onnx")
# bench name (NetworkRegistry.benchmarks) -> oracle case
GRAPHS = {"span": "span_ch48_x4_real", "realplksr": "realplksr_real",
          "realcugan": "realcugan_x2_real", "rcan": "rcan_real", "swinir-m": "swinir_real",
          "hat": "hat_real", "dat2": "dat2_real"}


class ImageOnly(torch.nn.Module):
    """Calls the model with the image alone (Real-CUGAN's forward has an `alpha` argument that would
    otherwise become a second graph input)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="128")
    ap.add_argument("--out", default=DEFAULT_DIR)
    ap.add_argument("names", nargs="*", default=list(GRAPHS))
    a = ap.parse_args()
    for m in ("span", "plksr", "realcugan", "rcan", "swinir", "hat", "dat"):
        importlib.import_module("spandrel_cases." + m)
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(0)
    for name in a.names:
        fn = CASES[GRAPHS[name]][0]
        model = ImageOnly(fn().eval()).eval()
        for s in [int(v) for v in a.sizes.split(",")]:
            x = torch.rand(1, 3, s, s)
            path = os.path.join(a.out, f"{name}-{s}.onnx")
            with torch.no_grad():
                torch.onnx.export(model, (x,), path, opset_version=17, input_names=["x"],
                                  output_names=["y"], dynamo=False)
            print(f"{path}: {os.path.getsize(path) / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
