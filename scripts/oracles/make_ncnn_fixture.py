#!/usr/bin/env python3
"""ncnn oracle for the Real-ESRGAN ×4 (RRDBNet 23×64) ncnn model in ../shared.

Takes Set5 'butterfly', downscales it ×4 with Pillow's bicubic filter, crops a 48×48 patch, runs
the PyPI `ncnn` runtime (fp32 arithmetic and storage) on realesrgan-x4plus.param/.bin and writes:

  Tests/EnhanceNetworksTests/Fixtures/ncnn_x4_input.png   (48×48 RGB, 8-bit: the exact network input)
  Tests/EnhanceNetworksTests/Fixtures/ncnn_x4_output.png  (192×192 RGB, ncnn output clamped to [0,1], 8-bit)

Run from the repository root:
    /tmp/enh-oracles-venv/bin/python scripts/oracles/make_ncnn_fixture.py
"""
import os
import numpy as np
import ncnn
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SHARED = os.path.join(ROOT, "..", "shared")
MODEL = os.path.join(SHARED, "weights", "realesrgan-x4plus-ncnn", "realesrgan-x4plus")
OUT = os.path.join(ROOT, "Tests", "EnhanceNetworksTests", "Fixtures")
SIZE, LEFT, TOP = 48, 8, 10


def main():
    hr = Image.open(os.path.join(SHARED, "data", "benchmarks", "Set5", "butterfly.png")).convert("RGB")
    lr = hr.resize((hr.width // 4, hr.height // 4), Image.Resampling.BICUBIC)
    crop = lr.crop((LEFT, TOP, LEFT + SIZE, TOP + SIZE))
    crop.save(os.path.join(OUT, "ncnn_x4_input.png"))
    x = np.ascontiguousarray(np.asarray(crop, dtype=np.float32).transpose(2, 0, 1) / 255.0)

    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.use_fp16_storage = False
    net.opt.use_fp16_packed = False
    net.opt.use_fp16_arithmetic = False
    net.opt.use_bf16_storage = False
    net.opt.num_threads = 2
    assert net.load_param(MODEL + ".param") == 0
    assert net.load_model(MODEL + ".bin") == 0
    ex = net.create_extractor()
    ex.input("data", ncnn.Mat(x))
    ret, out = ex.extract("output")
    assert ret == 0, ret
    y = np.array(out)
    assert y.shape == (3, SIZE * 4, SIZE * 4), y.shape
    img = (np.clip(y, 0, 1) * 255.0).round().astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(img).save(os.path.join(OUT, "ncnn_x4_output.png"))
    print(f"ncnn {ncnn.__version__}: input {x.shape} -> output {y.shape}, range [{y.min():.3f}, {y.max():.3f}]")


if __name__ == "__main__":
    main()
