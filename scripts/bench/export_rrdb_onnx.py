#!/usr/bin/env python3
"""Exports the repository's RRDBNet-23 x4 (Models/enhance-rrdb-x4-psnr.safetensors, read by
spandrel's ESRGAN class) to ONNX for the load and `models inspect` figures of issue 25: a 67 MB
float32 graph, its float16 twin and the float32 one with its weights in an external file.

TorchScript exporter, opset 17, dynamic height/width axes (exported at 32x32). Needs PyTorch,
spandrel and onnx (a venv outside the repository; never in CI):

    /work/torch-venv/bin/python scripts/bench/export_rrdb_onnx.py [OUT]   # default /tmp/onnx-big

Writes OUT/rrdb.onnx, OUT/rrdb_fp16.onnx and OUT/rrdb_ext.onnx + OUT/rrdb_ext.onnx.data.
"""
import os
import sys

import onnx
import spandrel
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "..", "Models", "enhance-rrdb-x4-psnr.safetensors")


def export(model, x, path):
    axes = {"input": {2: "height", 3: "width"}, "output": {2: "height4", 3: "width4"}}
    torch.onnx.export(model, (x,), path, opset_version=17, input_names=["input"], output_names=["output"],
                      dynamic_axes=axes, dynamo=False)
    print(path, os.path.getsize(path), "bytes")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/onnx-big"
    os.makedirs(out, exist_ok=True)
    model = spandrel.ModelLoader().load_from_file(MODEL).model.float().eval()
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        export(model, x, os.path.join(out, "rrdb.onnx"))
        export(model.half(), x.half(), os.path.join(out, "rrdb_fp16.onnx"))
    data = "rrdb_ext.onnx.data"
    if os.path.exists(os.path.join(out, data)):  # onnx.save appends to an existing data file
        os.remove(os.path.join(out, data))
    onnx.save(onnx.load(os.path.join(out, "rrdb.onnx")), os.path.join(out, "rrdb_ext.onnx"),
              save_as_external_data=True, all_tensors_to_one_file=True, location=data, size_threshold=1024)
    print(os.path.join(out, "rrdb_ext.onnx"), "+", data)


if __name__ == "__main__":
    main()
