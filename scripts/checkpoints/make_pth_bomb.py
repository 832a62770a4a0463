#!/usr/bin/env python3
"""Writes a .pth checkpoint bomb: a sparse zip64 archive laid out like torch.save's (archive/
data.pkl, archive/byteorder, archive/data/<key>, archive/version) whose pickle declares the same
MSRResNet x4 as make_bomb.py (4096 features, one residual block, 1.66 G float32 parameters). Every
storage entry is stored (method 0) with a correct CRC-32 and consists of zeros written as a hole,
so the ~6.6 GB file costs a few kB of disk. Standard library only.

The pickle is written opcode by opcode (protocol 2, as torch.save emits: OrderedDict of
torch._utils._rebuild_tensor_v2 calls over ('storage', torch.FloatStorage, key, 'cpu', numel)
persistent ids), then checked here with Python's own zipfile and a pickle.Unpickler whose
find_class/persistent_load stand in for torch, so the file is what torch would read.

Usage:  python3 scripts/checkpoints/make_pth_bomb.py OUT.pth [--features N] [--blocks N]
Prints: OUT: <bytes> bytes, <parameters> parameters
"""
import argparse
import pickle
import struct
import zipfile
import zlib

from make_bomb import layout

CHUNK = bytes(64 << 20)


def crc_of_zeros(n):
    crc = 0
    while n > 0:
        step = min(n, len(CHUNK))
        crc = zlib.crc32(CHUNK[:step] if step < len(CHUNK) else CHUNK, crc)
        n -= step
    return crc


def p_str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def p_int(v):
    if 0 <= v < 1 << 31:
        return b"J" + struct.pack("<i", v)
    raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw


def p_tuple(items):
    return b"(" + b"".join(items) + b"t"


def pickle_state_dict(tensors):
    out = b"\x80\x02" + b"ccollections\nOrderedDict\n)R("
    for key, shape in tensors:
        numel = 1
        for d in shape:
            numel *= d
        stride, s = [], 1
        for d in reversed(shape):
            stride.insert(0, s)
            s *= d
        pid = p_tuple([p_str("storage"), b"ctorch\nFloatStorage\n", p_str(key), p_str("cpu"), p_int(numel)]) + b"Q"
        args = p_tuple([pid, p_int(0), p_tuple([p_int(d) for d in shape]), p_tuple([p_int(d) for d in stride]),
                        b"\x89", b"ccollections\nOrderedDict\n)R"])
        out += p_str(key) + b"ctorch._utils\n_rebuild_tensor_v2\n" + args + b"R"
    return out + b"u."


class Zip64Writer:
    """Stored entries with zip64 sizes and offsets; all-zero data is written as a hole."""

    def __init__(self, f):
        self.f, self.entries = f, []

    def add(self, name, data=None, zeros=0):
        size = len(data) if data is not None else zeros
        crc = zlib.crc32(data) if data is not None else crc_of_zeros(zeros)
        offset = self.f.tell()
        name_b = name.encode()
        extra = struct.pack("<HHQQ", 1, 16, size, size)
        self.f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                                 len(name_b), len(extra)) + name_b + extra)
        if data is not None:
            self.f.write(data)
        else:
            self.f.seek(zeros, 1)
        self.entries.append((name_b, crc, size, offset))

    def close(self):
        start = self.f.tell()
        for name_b, crc, size, offset in self.entries:
            extra = struct.pack("<HHQQQ", 1, 24, size, size, offset)
            self.f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF,
                                     0xFFFFFFFF, len(name_b), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + name_b + extra)
        end = self.f.tell()
        n = len(self.entries)
        self.f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, end - start, start))
        self.f.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
        self.f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, 0xFFFFFFFF, 0xFFFFFFFF, 0))


def check(path, tensors):
    """Independent read-back: Python's zipfile and unpickler (torch's globals stubbed)."""
    def rebuild(storage, offset, size, stride, *rest):
        return (storage, tuple(size))

    class Reader(pickle.Unpickler):
        def find_class(self, module, name):
            known = {("collections", "OrderedDict"): dict, ("torch._utils", "_rebuild_tensor_v2"): rebuild,
                     ("torch", "FloatStorage"): "FloatStorage"}
            return known[(module, name)]

        def persistent_load(self, pid):
            return pid

    with zipfile.ZipFile(path) as z:
        import io
        state = Reader(io.BytesIO(z.read("archive/data.pkl"))).load()
        assert z.read("archive/byteorder") == b"little"
        for key, shape in tensors:
            (tag, kind, skey, _, numel), size = state[key]
            assert (tag, kind, skey, size) == ("storage", "FloatStorage", key, tuple(shape))
            assert z.getinfo("archive/data/" + key).file_size == 4 * numel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--features", type=int, default=4096)
    ap.add_argument("--blocks", type=int, default=1)
    args = ap.parse_args()
    tensors = list(layout(args.features, args.blocks))
    parameters = 0
    with open(args.out, "wb") as f:
        z = Zip64Writer(f)
        z.add("archive/data.pkl", pickle_state_dict(tensors))
        z.add("archive/byteorder", b"little")
        for key, shape in tensors:
            numel = 1
            for d in shape:
                numel *= d
            parameters += numel
            z.add("archive/data/" + key, zeros=4 * numel)
        z.add("archive/version", b"3\n")
        z.close()
        size = f.tell()
    check(args.out, tensors)
    print(f"{args.out}: {size} bytes, {parameters} parameters")


if __name__ == "__main__":
    main()
