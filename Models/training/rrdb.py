"""RRDBNet (ESRGAN / Real-ESRGAN generator) for the Enhance RRDB pair, plus its ncnn import.

Forward pass (BasicSR RRDBNet semantics, written independently from the ESRGAN paper and the
layer list of the ncnn graph in ../shared/weights/realesrgan-x4plus-ncnn):
  feat = conv_first(x)
  feat = feat + conv_body(body(feat))            # body = num_block x RRDB
  feat = lrelu0.2(conv_up1(nearest_x2(feat)))
  feat = lrelu0.2(conv_up2(nearest_x2(feat)))
  out  = conv_last(lrelu0.2(conv_hr(feat)))
RRDB(x) = x + 0.2 * rdb3(rdb2(rdb1(x))); RDB(x) = x + 0.2 * conv5(cat(x, x1..x4)) with
x_k = lrelu0.2(conv_k(cat(x, x1..x_{k-1}))). Keys: conv_first, body.N.rdbK.convM, conv_body,
conv_up1, conv_up2, conv_hr, conv_last (weight OIHW, bias). Tensors NCHW float32 RGB in [0, 1].
"""
import struct
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FP16_TAG = 0x01306B47
FP32_TAGS = (0, 0x0002C056)


class RDB(nn.Module):
    def __init__(self, nf: int, gc: int):
        super().__init__()
        for m in range(1, 6):
            setattr(self, f"conv{m}", nn.Conv2d(nf + (m - 1) * gc, nf if m == 5 else gc, 3, 1, 1))

    def forward(self, x):
        feats = [x]
        for m in range(1, 5):
            feats.append(F.leaky_relu(getattr(self, f"conv{m}")(torch.cat(feats, 1)), 0.2))
        return x + 0.2 * self.conv5(torch.cat(feats, 1))


class RRDB(nn.Module):
    def __init__(self, nf: int, gc: int):
        super().__init__()
        self.rdb1, self.rdb2, self.rdb3 = RDB(nf, gc), RDB(nf, gc), RDB(nf, gc)

    def forward(self, x):
        return x + 0.2 * self.rdb3(self.rdb2(self.rdb1(x)))


class RRDBNet(nn.Module):
    def __init__(self, nf: int = 64, gc: int = 32, nb: int = 23, scale: int = 4):
        super().__init__()
        assert scale == 4
        self.nf, self.gc, self.nb = nf, gc, nb
        self.conv_first = nn.Conv2d(3, nf, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(nf, gc) for _ in range(nb)])
        self.conv_body = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_hr = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_last = nn.Conv2d(nf, 3, 3, 1, 1)

    def forward(self, x):
        act = lambda t: F.leaky_relu(t, 0.2)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = act(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = act(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(act(self.conv_hr(feat)))


def rrdb_key_names(nb: int):
    names = ["conv_first"]
    names += [f"body.{n}.rdb{r}.conv{c}" for n in range(nb) for r in (1, 2, 3) for c in range(1, 6)]
    return names + ["conv_body", "conv_up1", "conv_up2", "conv_hr", "conv_last"]


def rrdb_macs_per_input_pixel(nf: int = 64, gc: int = 32, nb: int = 23) -> int:
    """Multiply-accumulates per LR input pixel (3x3 convs; the up/hr/last convs run at 2x/4x)."""
    k = 9
    rdb = sum((nf + (m - 1) * gc) * (nf if m == 5 else gc) for m in range(1, 6))
    lr = k * (3 * nf + nb * 3 * rdb + nf * nf)
    return lr + 4 * k * nf * nf + 16 * k * (2 * nf * nf + nf * 3)


def _ncnn_convs(param_text: str):
    """[(name, num_output, weight_data_size, has_bias)] of the Convolution layers, graph order."""
    lines = param_text.split("\n")
    assert lines[0].strip() == "7767517", "not an ncnn .param (magic 7767517)"
    convs = []
    for line in lines[2:]:
        tok = line.split()
        if not tok:
            continue
        if tok[0] != "Convolution":
            assert tok[0] in ("Input", "Split", "Concat", "Eltwise", "BinaryOp", "Interp"), tok[0]
            continue
        n_in, n_out = int(tok[2]), int(tok[3])
        params = dict(p.split("=", 1) for p in tok[4 + n_in + n_out:])
        assert params.get("1") == "3" and params.get("4") == "1", f"{tok[1]}: not a 3x3 pad-1 conv"
        convs.append((tok[1], int(params["0"]), int(params["6"]), params.get("5", "0") != "0"))
    return convs


def load_ncnn_rrdb(param_path, bin_path=None) -> dict:
    """Reads an ncnn RRDBNet (.param/.bin, fp16 or fp32 weights) into a BasicSR-keyed state dict.

    Each Convolution owns a tagged weight array (4-byte tag; fp16 data padded to 4 bytes) then,
    when bias_term is set, an untagged fp32 bias. Every byte of the .bin must be consumed.
    """
    param_path = Path(param_path)
    bin_path = Path(bin_path) if bin_path else param_path.with_suffix(".bin")
    convs = _ncnn_convs(param_path.read_text())
    assert (len(convs) - 6) % 15 == 0, f"{len(convs)} convolutions is not 6 + 15 x blocks"
    nb = (len(convs) - 6) // 15
    blob = bin_path.read_bytes()
    pos, sd = 0, {}
    for (name, outputs, size, has_bias), key in zip(convs, rrdb_key_names(nb)):
        (tag,) = struct.unpack_from("<I", blob, pos)
        pos += 4
        if tag == FP16_TAG:
            w = np.frombuffer(blob, dtype="<f2", count=size, offset=pos).astype(np.float32)
            pos += (2 * size + 3) & ~3
        elif tag in FP32_TAGS:
            w = np.frombuffer(blob, dtype="<f4", count=size, offset=pos).copy()
            pos += 4 * size
        else:
            raise ValueError(f"{name}: unsupported weight tag {tag:#010x}")
        sd[key + ".weight"] = torch.from_numpy(w.reshape(outputs, size // (outputs * 9), 3, 3).copy())
        assert has_bias, f"{name} has no bias"
        sd[key + ".bias"] = torch.from_numpy(np.frombuffer(blob, dtype="<f4", count=outputs, offset=pos).copy())
        pos += 4 * outputs
    assert pos == len(blob), f"{len(blob) - pos} unused trailing bytes in {bin_path}"
    return sd


def rrdb_from_state_dict(sd: dict) -> RRDBNet:
    nf, gc = sd["conv_first.weight"].shape[0], sd["body.0.rdb1.conv1.weight"].shape[0]
    nb = len({k.split(".")[1] for k in sd if k.startswith("body.")})
    m = RRDBNet(nf, gc, nb)
    m.load_state_dict(sd)
    return m.eval()
