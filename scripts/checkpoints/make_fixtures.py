#!/usr/bin/env python3
"""Produce EnhanceCheckpoints test fixtures with INDEPENDENT writers (safetensors, torch.save).

Usage:  pip install -r scripts/checkpoints/requirements.txt
        python3 scripts/checkpoints/make_fixtures.py [--only safetensors|torch]
        python3 scripts/checkpoints/ncnn_fixtures.py      # ncnn oracle for the shared RealESRGAN model
Writes into Tests/EnhanceCheckpointsTests/Fixtures/. Also writes malicious pickles whose payload
would create /tmp/enhance_checkpoints_pwned_marker if ever executed (Python never loads them here). Expected values (shapes, dtypes, a few
values, float64 sums) go into <fixture>.expected.json, computed here from numpy/torch — never
from the Swift code under test.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "EnhanceCheckpointsTests", "Fixtures")


def describe(arrays):
    """arrays: ordered list of (key, float ndarray as stored, dtype name) -> expected JSON dict."""
    out = {"keys": [k for k, _, _ in arrays], "tensors": {}}
    for key, a, dt in arrays:
        f = np.asarray(a, dtype=np.float64).reshape(-1)
        out["tensors"][key] = {
            "shape": list(a.shape),
            "dtype": dt,
            "count": int(f.size),
            "first": [float(x) for x in f[:6]],
            "last": float(f[-1]) if f.size else 0.0,
            "sum": float(f.sum()),
            "abs_sum": float(np.abs(f).sum()),
        }
    return out


def write_json(name, obj):
    with open(os.path.join(OUT, name), "w") as fh:
        json.dump(obj, fh, indent=1, sort_keys=True)
        fh.write("\n")


def sample_arrays(rng):
    return [
        ("conv.weight", rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
        ("conv.bias", rng.standard_normal((4,)).astype(np.float32)),
        ("body.0.scale", np.array(0.125, dtype=np.float32)),          # 0-d tensor
        ("tiny", np.array([1e-6, -65504.0, 3.0e-8, 0.0, -0.0, 1.0], dtype=np.float32)),
    ]


def header_order(path):
    with open(path, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        pairs = json.loads(fh.read(n), object_pairs_hook=lambda p: p)
    return [k for k, _ in pairs if k != "__metadata__"]


def raw_safetensors(header, data):
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def make_safetensors():
    from safetensors.numpy import save_file
    import safetensors

    rng = np.random.default_rng(1234)
    base = sample_arrays(rng)
    meta = {"format": "pt", "producer": "make_fixtures.py safetensors " + safetensors.__version__}

    # F32 and F16 through the official writer.
    for tag, np_dt, dt in [("f32", np.float32, "F32"), ("f16", np.float16, "F16")]:
        arrays = [(k, a.astype(np_dt)) for k, a in base]
        path = os.path.join(OUT, f"st_{tag}.safetensors")
        save_file(dict(arrays), path, metadata=meta)
        order = header_order(path)   # the official writer sorts; readers keep the file's order
        by_key = dict(arrays)
        write_json(f"st_{tag}.expected.json",
                   dict(describe([(k, by_key[k], dt) for k in order]), metadata=meta))

    # BF16: numpy has no bfloat16, so craft the bytes by hand (truncate float32 bits, which is a
    # valid bf16 value), and compute the expected floats from the same bits.
    header, blobs, offset, described = {"__metadata__": meta}, [], 0, []
    for k, a in base:
        bits = (a.reshape(-1).view(np.uint32) >> 16).astype("<u2")
        blob = bits.tobytes()
        header[k] = {"dtype": "BF16", "shape": list(a.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
        decoded = (bits.astype(np.uint32) << 16).view(np.float32).reshape(a.shape)
        described.append((k, decoded, "BF16"))
    with open(os.path.join(OUT, "st_bf16.safetensors"), "wb") as fh:
        fh.write(raw_safetensors(header, b"".join(blobs)))
    write_json("st_bf16.expected.json", dict(describe(described), metadata=meta))

    # Exact-bytes reference for the Swift writer: a single-dtype dict with sorted keys is laid out
    # identically by the official writer (sorted by dtype then name; header space-padded).
    canon = {"a.weight": rng.standard_normal((2, 3)).astype(np.float32),
             "b.bias": rng.standard_normal((3,)).astype(np.float32)}
    save_file(canon, os.path.join(OUT, "st_canonical_f32.safetensors"), metadata={"format": "pt"})
    canon16 = {k: v.astype(np.float16) for k, v in canon.items()}
    save_file(canon16, os.path.join(OUT, "st_canonical_f16.safetensors"), metadata={"format": "pt"})

    # Malformed files (each must be refused with a one-line error).
    with open(os.path.join(OUT, "st_f32.safetensors"), "rb") as fh:
        good = fh.read()
    (hlen,) = struct.unpack("<Q", good[:8])
    hdr = json.loads(good[8:8 + hlen])
    data = good[8 + hlen:]
    bad = {
        "bad_truncated.safetensors": good[:-10],
        "bad_truncated_header.safetensors": good[:8 + hlen // 2],
        "bad_oversized_header.safetensors": struct.pack("<Q", 1 << 40) + good[8:],
        "bad_short.safetensors": good[:5],
    }
    h = json.loads(json.dumps(hdr)); h["conv.bias"]["dtype"] = "F17"
    bad["bad_unknown_dtype.safetensors"] = raw_safetensors(h, data)
    h = json.loads(json.dumps(hdr)); h["conv.weight"]["dtype"] = "F16"   # size no longer matches
    bad["bad_wrong_dtype.safetensors"] = raw_safetensors(h, data)
    h = json.loads(json.dumps(hdr)); h["conv.weight"]["dtype"] = "I32"   # same size, not a float
    bad["bad_int_dtype.safetensors"] = raw_safetensors(h, data)
    h = json.loads(json.dumps(hdr))
    last = max((k for k in h if k != "__metadata__"), key=lambda k: h[k]["data_offsets"][1])
    b0, e0 = h[last]["data_offsets"]; h[last]["data_offsets"] = [b0 + 4096, e0 + 4096]
    bad["bad_offset_out_of_range.safetensors"] = raw_safetensors(h, data)
    h = json.loads(json.dumps(hdr))
    first = min((k for k in h if k != "__metadata__"), key=lambda k: h[k]["data_offsets"][0])
    second = sorted((k for k in h if k != "__metadata__"), key=lambda k: h[k]["data_offsets"][0])[1]
    b1, e1 = h[second]["data_offsets"]; h[second]["data_offsets"] = [b1 - 4, e1 - 4]
    bad["bad_overlap.safetensors"] = raw_safetensors(h, data)
    bad["bad_json.safetensors"] = struct.pack("<Q", 12) + b'{"a": [1, 2' + b" "
    for name, blob in bad.items():
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(blob)
    print("safetensors fixtures written with safetensors", safetensors.__version__)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["safetensors", "torch"])
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    if args.only in (None, "safetensors"):
        make_safetensors()
    if args.only in (None, "torch"):
        import torch_fixtures  # noqa: E402  (same directory)
        torch_fixtures.make_torch(OUT, describe, write_json)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
