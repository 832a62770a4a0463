#!/usr/bin/env python3
"""Oracle fixtures for the ONNX wire scanner (EnhanceONNX's ONNXWireScan), from the onnx package and
its protobuf runtime, never from Enhance:

* ``wire.json`` ``declared``: each committed fixture's initializers in file order as the onnx
  package reads them (name, dims, data type name, where the values are: raw, typed or external):
  what ``ONNXReader.scan`` must declare without decoding a value from the file.
* ``wire.json`` ``prefixes``: for two small fixtures, every prefix length that protobuf parses as a
  ``ModelProto``; every other prefix is malformed protobuf, which the scanner must refuse as such.
* ``bad/wire_*.onnx``: a tiny Conv model re-encoded by hand with one wire-format fault each (and
  ``wire_ok.onnx``, the same model with its tensor's fields in an unusual order and an unknown
  field, which must read); ``wire.json`` ``bad`` records whether protobuf itself parses each.

    /tmp/enh-oracles-venv/bin/python scripts/oracles/make_onnx_wire_fixtures.py
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from google.protobuf.message import DecodeError

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "Tests", "EnhanceONNXTests", "Fixtures")
PREFIX_FILES = ["helper_tokens_o17.onnx", "compact_x4_o17_fp16.onnx"]


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def tag(field, wire):
    return varint(field << 3 | wire)


def ld(field, body):
    """A length-delimited field."""
    return tag(field, 2) + varint(len(body)) + body


def parses(data):
    try:
        onnx.ModelProto.FromString(data)
        return True
    except DecodeError:
        return False


def tiny():
    """The tiny model: Conv 3->2, 3x3, weight arange(54)/64 and bias [0.5, -0.25] as raw_data."""
    w = numpy_helper.from_array((np.arange(54, dtype=np.float32) / 64).reshape(2, 3, 3, 3), "w")
    b = numpy_helper.from_array(np.array([0.5, -0.25], dtype=np.float32), "b")
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", pads=[1, 1, 1, 1])
    g = helper.make_graph([node], "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", "w"])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, "h", "w"])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="wire-oracle")
    m.ir_version = 8
    return m, w, b


def tensor_bytes(t, raw=None, extra=b"", raw_last=False):
    """`t` encoded by hand: raw_data first (or `raw` in its place; last with `raw_last`), then dims,
    type, name, `extra`."""
    raw = raw if raw is not None else ld(9, t.raw_data)
    body = b"".join(tag(1, 0) + varint(d) for d in t.dims) + tag(2, 0) + varint(t.data_type)
    body += ld(8, t.name.encode()) + extra
    return body + raw if raw_last else raw + body


def model_bytes(m, tensors, graph_extra=b"", model_extra=b"", graph_field=None):
    g = onnx.GraphProto()
    g.CopyFrom(m.graph)
    g.ClearField("initializer")
    graph = g.SerializeToString() + b"".join(ld(5, t) for t in tensors) + graph_extra
    head = onnx.ModelProto()
    head.CopyFrom(m)
    head.ClearField("graph")
    return head.SerializeToString() + (graph_field if graph_field is not None else ld(7, graph)) + model_extra


def bad_cases():
    m, w, b = tiny()
    tw, tb = tensor_bytes(w), tensor_bytes(b)
    ok = model_bytes(m, [tensor_bytes(w, extra=tag(100, 0) + varint(7)), tb])
    # An initializer declaring more bytes than its graph has left (the bytes exist after the graph).
    g = onnx.GraphProto()
    g.CopyFrom(m.graph)
    g.ClearField("initializer")
    over_graph = g.SerializeToString() + tag(5, 2) + varint(len(tw) + 12) + tw
    head = onnx.ModelProto()
    head.CopyFrom(m)
    head.ClearField("graph")
    # raw_data, the tensor's last field, declaring more bytes than its tensor has (the next
    # initializer's follow in the graph).
    short_raw = tag(9, 2) + varint(len(w.raw_data) + 6) + w.raw_data
    return {
        "wire_ok": ok,
        "wire_truncated_varint": ok + b"\x80",
        "wire_varint_11_bytes": ok + tag(1, 0) + b"\xff" * 10 + b"\x01",
        "wire_field_zero": ok + b"\x00\x01",
        "wire_past_end": ok + tag(14, 2) + varint(100) + b"x" * 10,
        "wire_initializer_past_graph": head.SerializeToString() + ld(7, over_graph)
        + ld(2, b"padding-after-the-graph"),
        "wire_raw_past_tensor": model_bytes(m, [tensor_bytes(w, raw=short_raw, raw_last=True), tb]),
        "wire_graph_as_varint": model_bytes(m, [tw, tb], graph_field=tag(7, 0) + varint(5)),
        "wire_raw_as_fixed32": model_bytes(m, [tensor_bytes(w, raw=tag(9, 5) + b"\0\0\0\0"), tb]),
        "wire_unterminated_group": model_bytes(m, [tensor_bytes(w, extra=tag(20, 3) + tag(1, 0) + b"\x01"), tb]),
        "wire_type_7": model_bytes(m, [tensor_bytes(w, extra=tag(20, 7) + b"\x01"), tb]),
    }


def where(t):
    """Where a tensor's values are: `raw` (raw_data), `external` (another file) or `typed` fields."""
    if t.data_location == TensorProto.EXTERNAL:
        return "external"
    return "raw" if t.HasField("raw_data") else "typed"


def main():
    declared = {}
    for f in sorted(os.listdir(FIXTURES)):
        if f.endswith(".onnx"):
            m = onnx.load(os.path.join(FIXTURES, f), load_external_data=False)
            declared[f] = [[t.name, list(t.dims), TensorProto.DataType.Name(t.data_type).lower(), where(t)]
                           for t in m.graph.initializer]
    prefixes = {}
    for f in PREFIX_FILES:
        data = open(os.path.join(FIXTURES, f), "rb").read()
        prefixes[f] = [n for n in range(len(data) + 1) if parses(data[:n])]
    bad = {}
    for name, data in bad_cases().items():
        with open(os.path.join(FIXTURES, "bad", name + ".onnx"), "wb") as fh:
            fh.write(data)
        bad[name] = {"protobuf_parses": parses(data), "bytes": len(data)}
    with open(os.path.join(FIXTURES, "wire.json"), "w") as fh:
        json.dump({"declared": declared, "prefixes": prefixes, "bad": bad}, fh, indent=1, sort_keys=True)
    for name, v in bad.items():
        print(name, v)
    print({f: len(v) for f, v in prefixes.items()}, "prefixes parse")


if __name__ == "__main__":
    main()
