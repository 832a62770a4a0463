"""HAT (spandrel ``HAT``): tiny random instances of the structures spandrel's loader builds, and HAT-S ×4
(the bench configuration) for the local check.

spandrel's HAT has one upsampler (``pixelshuffle``: ×2ⁿ, ×3, and ×1 with no ``upsample`` stage) and
reads every other hyper-parameter from shapes: ``window_size`` from ``relative_position_index_SA``,
``overlap_ratio`` from ``relative_position_index_OCA``, ``depths`` and ``num_heads`` per group,
``compress_ratio`` and ``squeeze_factor`` from the channel-attention block's convs, ``mlp_ratio``,
``num_feat``, ``qkv_bias``, ``patch_norm`` and ``resi_connection`` (``1conv`` or identity).

Variants: HAT-S-like (a large ``compress_ratio``: 2 CAB channels of 12) ×4 and HAT-like (``compress_ratio``
3) ×2, both window 4 on sides that are not window multiples (the reference reflect-pads them);
HAT-L-like (more groups) ×3 with window 8 on an input smaller than one window and overlap ratio
0.25; ×1 (no upsample stage) with identity residual connections, no ``patch_norm``, no ``qkv`` bias
and MLP ratio 1.5; ×8. The real HAT window (16) is the real-size case's: its index buffers alone
are 1.7 MB.
"""
import torch
from torch import nn
from spandrel.architectures.HAT import HAT

from spandrel_cases import case


def hat(embed=12, depths=(2, 2), heads=(2, 3), window=4, compress=3, squeeze=4, overlap=0.5, mlp_ratio=2.0,
        scale=2, num_feat=4, resi="1conv", patch_norm=True, qkv_bias=True, img_size=64):
    return HAT(img_size=img_size, embed_dim=embed, depths=list(depths), num_heads=list(heads), window_size=window,
               compress_ratio=compress, squeeze_factor=squeeze, conv_scale=0.01, overlap_ratio=overlap,
               mlp_ratio=mlp_ratio, qkv_bias=qkv_bias, upscale=scale, img_range=1.0, upsampler="pixelshuffle",
               resi_connection=resi, num_feat=num_feat, patch_norm=patch_norm)


@case("hat_s_x4", size=(9, 11))
def hat_s_x4():
    # HAT-S's shape: compress_ratio 24 and squeeze_factor 24 of 144 leave 6 channels; here 2 of 12.
    return hat(compress=6, squeeze=6, scale=4)


@case("hat_x2", size=(10, 13))
def hat_x2():
    # HAT's shape: compress_ratio 3, squeeze_factor 30 (here 12 // 4 = 3 channels).
    return hat(depths=(3,), heads=(2,), compress=3, squeeze=4, scale=2)


@case("hat_l_x3_w8", size=(5, 6))
def hat_l_x3_w8():
    # HAT-L's shape is more groups; window 8 on a 5×6 input (padded to one window), overlap 0.25.
    return hat(embed=8, depths=(2, 1, 1), heads=(1, 2, 2), window=8, compress=2, squeeze=4, overlap=0.25,
               scale=3, num_feat=3)


@case("hat_x1_identity", size=(8, 9))
def hat_x1_identity():
    return hat(embed=8, depths=(2,), heads=(2,), compress=2, squeeze=2, scale=1, resi="identity",
               patch_norm=False, qkv_bias=False, mlp_ratio=1.5)


@case("hat_x8", size=(4, 5))
def hat_x8():
    return hat(embed=8, depths=(1,), heads=(2,), compress=4, squeeze=4, scale=8, num_feat=2)


def hat_s_real():
    """HAT-S ×4 (the HAT repository's HAT-S_SRx4: embed 144, six groups of six blocks, six heads,
    window 16, compress_ratio 24, squeeze_factor 24, overlap 0.5, MLP ratio 2, 64 features)."""
    return HAT(img_size=64, embed_dim=144, depths=[6] * 6, num_heads=[6] * 6, window_size=16, compress_ratio=24,
               squeeze_factor=24, conv_scale=0.01, overlap_ratio=0.5, mlp_ratio=2.0, upscale=4, img_range=1.0,
               upsampler="pixelshuffle", resi_connection="1conv", num_feat=64)


# spandrel's initial weights with little noise, as for the other real-size cases.
@case("hat_real", size=(45, 38), real_size=True, noise=0.002)
def hat_real():
    return hat_s_real()


# As swinir_real_strong: every Linear at PyTorch's default init, the position tables N(0, 1) and
# conv_last ×8, so attention carries information across windows as in trained networks.
@case("hat_real_strong", size=(45, 38), real_size=True, noise=0.002)
def hat_real_strong():
    model = hat_s_real()
    with torch.no_grad():
        for _, m in model.named_modules():
            if isinstance(m, nn.Linear):
                m.reset_parameters()
            if hasattr(m, "relative_position_bias_table"):
                m.relative_position_bias_table.normal_(0, 1)
        model.conv_last.weight.mul_(8)
        model.conv_last.bias.mul_(8)
    return model
