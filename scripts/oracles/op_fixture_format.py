"""What the EnhanceTensor op fixture scripts share (make_op_fixtures.py, make_packed_tail_fixtures.py).

Inputs and outputs are stored, float32 little-endian, one after another in ``NAME.bin``; ``NAME.json``
lists the cases: ``{"name": {"tensors": {"x": [offset, [shape]], ...}, "attrs": {...}}}`` (offset in
floats), both in ``Tests/EnhanceTensorTests/Fixtures``.
"""
import json
import os
import numpy as np
from onnx import helper, TensorProto
import onnxruntime as ort

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "EnhanceTensorTests", "Fixtures")
F = np.float32
blob, cases = [], {}


def store(case, attrs=None, **tensors):
    entry = {"tensors": {}, "attrs": attrs or {}}
    for k, v in tensors.items():
        v = np.ascontiguousarray(v, dtype=F)
        entry["tensors"][k] = [sum(b.size for b in blob), list(v.shape)]
        blob.append(v.ravel())
    cases[case] = entry


def run(nodes, inputs, opset=21):
    """Runs nodes (output 'y') on the named numpy inputs with onnxruntime; returns y."""
    vi = [helper.make_tensor_value_info(k, TensorProto.FLOAT, list(v.shape)) for k, v in inputs.items()]
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    g = helper.make_graph(nodes, "op", vi, [out])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 10
    # (no onnx.checker: the output shape is left open for onnxruntime to infer)
    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return s.run(None, {k: v.astype(F) for k, v in inputs.items()})[0]


def N(op, ins, outs=("y",), **kw):
    return helper.make_node(op, list(ins), list(outs), **kw)


def write(name):
    """Writes the stored cases as ``name.bin`` and ``name.json``."""
    os.makedirs(OUT, exist_ok=True)
    data = np.concatenate(blob).astype("<f4")
    data.tofile(os.path.join(OUT, name + ".bin"))
    with open(os.path.join(OUT, name + ".json"), "w") as fh:
        json.dump(cases, fh, indent=0, sort_keys=True)
    print(f"{len(cases)} cases, {data.size * 4 / 1024:.0f} KiB")
