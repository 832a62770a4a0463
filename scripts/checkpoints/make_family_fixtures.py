#!/usr/bin/env python3
"""Checkpoints of families Enhance does not run yet, written by the reference `safetensors` package.

Usage:  pip install -r scripts/checkpoints/requirements.txt
        python3 scripts/checkpoints/make_family_fixtures.py
Writes Tests/EnhanceNetworksTests/Fixtures/families/NAME.safetensors: for SwinIR, HAT, GRL and
DAT, the keys a real checkpoint of that family holds near its start (under BasicSR's `params_ema`
wrapper for SwinIR, as released), with tiny shapes. Transformer index buffers are int64, as torch
stores them: SwinIR's `relative_position_index` is arange(64) reshaped to [8, 8], HAT's
`relative_position_index_SA` arange(16) as [4, 4]. The files exist to be recognised by their keys
and read whole (integer tensors included), not run.
"""
import os

import numpy as np
from safetensors.numpy import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "EnhanceNetworksTests", "Fixtures", "families")


def f32(*shape):
    n = int(np.prod(shape))
    return (np.arange(n, dtype=np.float32) / max(n, 1)).reshape(shape)


def swin_block(prefix):
    return {
        prefix + "norm1.weight": f32(8), prefix + "norm1.bias": f32(8),
        prefix + "attn.relative_position_bias_table": f32(9, 2),
        prefix + "attn.relative_position_index": np.arange(64, dtype=np.int64).reshape(8, 8),
        prefix + "attn.qkv.weight": f32(24, 8), prefix + "attn.qkv.bias": f32(24),
        prefix + "mlp.fc1.weight": f32(16, 8), prefix + "mlp.fc1.bias": f32(16),
    }


families = {
    "swinir": {"params_ema." + k: v for k, v in {
        "conv_first.weight": f32(8, 3, 3, 3), "conv_first.bias": f32(8),
        "patch_embed.norm.weight": f32(8), "patch_embed.norm.bias": f32(8),
        **swin_block("layers.0.residual_group.blocks.0."),
        "conv_last.weight": f32(3, 8, 3, 3), "conv_last.bias": f32(3),
    }.items()},
    "hat": {
        "relative_position_index_SA": np.arange(16, dtype=np.int64).reshape(4, 4),
        "conv_first.weight": f32(8, 3, 3, 3), "conv_first.bias": f32(8),
        **swin_block("layers.0.residual_group.blocks.0."),
        "layers.0.residual_group.blocks.0.conv_block.cab.0.weight": f32(2, 8, 3, 3),
        "layers.0.residual_group.overlap_attn.qkv.weight": f32(24, 8),
    },
    "grl": {
        "conv_first.weight": f32(8, 3, 3, 3), "norm_start.weight": f32(8), "norm_start.bias": f32(8),
        "layers.0.blocks.0.attn.window_attn.attn_transform.logit_scale": f32(2, 1, 1),
        "layers.0.blocks.0.attn.window_attn.attn_transform.cpb_mlp.0.weight": f32(16, 2),
        "norm_end.weight": f32(8), "norm_end.bias": f32(8), "conv_last.weight": f32(3, 8, 3, 3),
    },
    "dat": {
        "conv_first.weight": f32(8, 3, 3, 3), "before_RG.1.weight": f32(8), "before_RG.1.bias": f32(8),
        "layers.0.blocks.0.norm1.weight": f32(8), "layers.0.blocks.0.attn.qkv.weight": f32(24, 8),
        "layers.0.blocks.0.ffn.fc1.weight": f32(16, 8), "layers.0.blocks.0.ffn.sg.conv.weight": f32(8, 1, 3, 3),
        "conv_last.weight": f32(3, 8, 3, 3),
    },
}

os.makedirs(OUT, exist_ok=True)
for name, tensors in families.items():
    path = os.path.join(OUT, name + ".safetensors")
    save_file(tensors, path)
    print(path, len(tensors), "tensors")
