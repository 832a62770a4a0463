"""Test oracle for Enhance's blend path: writes θ = (1 − α)·θ_A + α·θ_B of two safetensors files.

  python3 blend_safetensors.py A.safetensors B.safetensors ALPHA OUT.safetensors

Pure Python (json + struct, no numpy, nothing shared with Enhance): each F16/F32 tensor of A and
the same key of B are decoded, blended in double precision and written as F32 in A's key order,
with A's metadata. A key missing from B, or a shape that differs, is an error.
"""
import json
import struct
import sys

CODES = {"F16": "e", "F32": "f"}


def read(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    return meta, header, data


def values(entry, data):
    code = CODES[entry["dtype"]]
    start, end = entry["data_offsets"]
    return struct.unpack(f"<{(end - start) // struct.calcsize(code)}{code}", data[start:end])


def main():
    path_a, path_b, alpha, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    meta, head_a, data_a = read(path_a)
    _, head_b, data_b = read(path_b)
    header, chunks, offset = {"__metadata__": meta}, [], 0
    for key, ea in head_a.items():
        eb = head_b.get(key)
        if eb is None or eb["shape"] != ea["shape"]:
            raise SystemExit(f"{path_b}: '{key}' missing or of another shape")
        va, vb = values(ea, data_a), values(eb, data_b)
        blended = [(1 - alpha) * x + alpha * y for x, y in zip(va, vb)]
        chunk = struct.pack(f"<{len(blended)}f", *blended)
        header[key] = {"dtype": "F32", "shape": ea["shape"], "data_offsets": [offset, offset + len(chunk)]}
        chunks.append(chunk)
        offset += len(chunk)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(out, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


if __name__ == "__main__":
    main()
