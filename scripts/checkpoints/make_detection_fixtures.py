#!/usr/bin/env python3
"""Format-detection fixtures, written by the reference `safetensors` package (not by Enhance).

Usage:  pip install -r scripts/checkpoints/requirements.txt
        python3 scripts/checkpoints/make_detection_fixtures.py
Writes Tests/EnhanceCheckpointsTests/Fixtures/st_len80.safetensors: tensor "a" = arange(6) as
float32 [2, 3], with `__metadata__` padded so that the 8-byte header length is 0x280 — its first
bytes `80 02` are also how a protocol-2 pickle starts, the prefix that once made Enhance read such
files as legacy torch checkpoints.
"""
import os
import struct

import numpy as np
from safetensors.numpy import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "EnhanceCheckpointsTests", "Fixtures", "st_len80.safetensors")

tensors = {"a": np.arange(6, dtype=np.float32).reshape(2, 3)}
for pad in range(0, 1024):
    save_file(tensors, OUT, metadata={"pad": "x" * pad})
    with open(OUT, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
    if length == 0x280:
        break
else:
    raise SystemExit("could not reach header length 0x280")
print(OUT, "header length", hex(length))
