#!/usr/bin/env python3
"""Oracle values for the ncnn reader, produced by ncnn itself (PyPI `ncnn`), not by our parser.

For a convolution without fused activation, feeding a 3×3 map that is zero except a 1 at the
centre of input channel c gives out[o, y, x] = bias[o] + W[o, c, 2-y, 2-x] (3×3 kernel, pad 1);
an all-zero input gives the bias. We run ncnn on the shared RealESRGAN x4plus model, reading
the first conv (Conv_0: data → 703) and the last (Conv_1186: 1894 → output), and store their
weights (OIHW, flattened) and biases as JSON.

Usage: python3 scripts/checkpoints/ncnn_fixtures.py   (needs ../shared/weights/realesrgan-x4plus-ncnn)
"""
import json
import os

import ncnn
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "..", "shared", "weights", "realesrgan-x4plus-ncnn", "realesrgan-x4plus")
OUT = os.path.join(ROOT, "Tests", "EnhanceCheckpointsTests", "Fixtures", "realesrgan_ncnn_oracle.json")


def load_net():
    net = ncnn.Net()
    opt = net.opt
    opt.use_vulkan_compute = False
    opt.use_fp16_storage = False
    opt.use_fp16_packed = False
    opt.use_fp16_arithmetic = False
    opt.use_bf16_storage = False
    opt.use_winograd_convolution = False
    opt.use_sgemm_convolution = False
    opt.use_packing_layout = False
    opt.num_threads = 1
    assert net.load_param(MODEL + ".param") == 0
    assert net.load_model(MODEL + ".bin") == 0
    return net


def run(net, blob_in, blob_out, x):
    c, h, w = x.shape
    mat = ncnn.Mat(w, h, c)              # ncnn-allocated (aligned channel stride)
    np.array(mat, copy=False)[...] = x   # fill through a view
    ex = net.create_extractor()
    assert ex.input(blob_in, mat) == 0
    ret, out = ex.extract(blob_out)
    assert ret == 0
    return np.array(out, dtype=np.float64).copy()


def conv_weights(net, blob_in, blob_out, cin):
    bias_map = run(net, blob_in, blob_out, np.zeros((cin, 3, 3), np.float32))
    bias = bias_map[:, 1, 1]
    cout = bias.shape[0]
    w = np.zeros((cout, cin, 3, 3))
    for c in range(cin):
        x = np.zeros((cin, 3, 3), np.float32)
        x[c, 1, 1] = 1.0
        y = run(net, blob_in, blob_out, x) - bias[:, None, None]
        w[:, c] = y[:, ::-1, ::-1]
    return w, bias


def main():
    net = load_net()
    result = {"ncnn_version": ncnn.__version__}
    for name, blob_in, blob_out, cin in [("Conv_0", "data", "703", 3), ("Conv_1186", "1894", "output", 64)]:
        w, b = conv_weights(net, blob_in, blob_out, cin)
        result[name] = {"shape": list(w.shape), "weight": [float(v) for v in w.reshape(-1)],
                        "bias": [float(v) for v in b]}
    with open(OUT, "w") as fh:
        json.dump(result, fh)
        fh.write("\n")
    print("wrote", OUT, "with ncnn", ncnn.__version__)


if __name__ == "__main__":
    main()
