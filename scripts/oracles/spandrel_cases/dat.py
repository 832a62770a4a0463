"""DAT (spandrel ``DAT``): tiny random instances of the structures spandrel's loader builds, and DAT-2 ×4
(the bench configuration) for the local check.

spandrel's DAT reads ``embed_dim``, ``depth`` and ``num_heads`` per group (from ``temperature``, or the
position-bias MLP of a group of one block), ``split_size`` (from ``rpe_biases``' values),
``expansion_factor`` (``fc1``), ``qkv_bias``, ``resi_connection`` (1conv/3conv), the upsampler
(pixelshuffle ×2ⁿ/×3 with ``num_feat``, or pixelshuffledirect) and ``img_size`` (the masks' shape).

Variants (embed 32: the smallest whose position-bias MLP has a feature, ``embed / 2 / 4 / 4``):
DAT-like (expansion 4, split 2 × 4, two groups so both shift rules run, the second of one block, whose
heads spandrel reads from the position-bias MLP) ×4; DAT-S- and DAT-2-like (expansion 2, split 4 × 8,
the ratio of DAT-S's 8 × 16) ×2; DAT-light-like (pixelshuffledirect, 3conv, no qkv bias) ×3. Every
input needs the reference's zero padding of ``qkv`` to the larger split side, and ``img_size`` 16
makes one case's padded size the stored masks'. Group 0 has a block 2 in every case: spandrel reads
``img_size`` from its mask (else 64, masks of 128 KB). spandrel's DAT fixes ``num_feat`` at 64 (a ×4
pixelshuffle tail of 330 k parameters), so the pixelshuffle cases swap in a tail of 8 features and
run as built (``via_loader=False``); the DAT-light case and the real-size case go through the loader.
"""
import torch
from torch import nn
from spandrel.architectures.DAT import DAT
from spandrel.architectures.DAT.__arch.DAT import Upsample

from spandrel_cases import case


def dat(embed=32, depth=(2, 2), heads=(2, 2), split=(2, 4), ef=2.0, scale=2, resi="1conv",
        upsampler="pixelshuffle", qkv_bias=True, img_size=16, num_feat=None):
    model = DAT(img_size=img_size, in_chans=3, embed_dim=embed, split_size=list(split), depth=list(depth),
                num_heads=list(heads), expansion_factor=ef, qkv_bias=qkv_bias, upscale=scale, img_range=1.0,
                resi_connection=resi, upsampler=upsampler)
    if num_feat is not None:
        model.conv_before_upsample = nn.Sequential(nn.Conv2d(embed, num_feat, 3, 1, 1), nn.LeakyReLU(inplace=True))
        model.upsample = Upsample(scale, num_feat)
        model.conv_last = nn.Conv2d(num_feat, 3, 3, 1, 1)
    return model


@case("dat_x4", size=(13, 11), via_loader=False)
def dat_x4():
    # Group 0 shifts block 2, group 1 block 0; 13×11 pads to 16×12 (16: the stored masks' size).
    return dat(depth=(3, 1), heads=(2, 4), ef=4.0, scale=4, num_feat=8)


@case("dat_s_x2", size=(10, 9), via_loader=False)
def dat_s_x2():
    return dat(depth=(3,), heads=(2,), split=(4, 8), ef=2.0, scale=2, num_feat=8)


@case("dat_light_x3", size=(7, 6))
def dat_light_x3():
    return dat(depth=(3,), heads=(4,), split=(2, 4), ef=2.0, scale=3, resi="3conv", upsampler="pixelshuffledirect",
               qkv_bias=False)


@case("dat_desc_x2", size=(6, 9), via_loader=False)
def dat_desc_x2():
    # Split 4 × 2: the larger side first, which only rpe_biases' values tell (no shifted block, no masks).
    return dat(depth=(2,), heads=(2,), split=(4, 2), ef=2.0, scale=2, num_feat=4)


def dat2_real():
    """DAT-2 ×4 (the DAT repository's DAT_2_x4: embed 180, six groups of six blocks, six heads, split 8 × 32,
    expansion 2, 64 features)."""
    return DAT(img_size=64, in_chans=3, embed_dim=180, split_size=[8, 32], depth=[6] * 6, num_heads=[6] * 6,
               expansion_factor=2.0, qkv_bias=True, upscale=4, img_range=1.0, resi_connection="1conv",
               upsampler="pixelshuffle")


@case("dat2_real", size=(45, 38), real_size=True, noise=0.002)
def dat2_real_case():
    return dat2_real()


# As swinir_real_strong / hat_real_strong: every Linear (the position-bias MLPs' included) at PyTorch's
# default init and conv_last ×8, so attention carries information across windows as in trained networks.
@case("dat2_real_strong", size=(45, 38), real_size=True, noise=0.002)
def dat2_real_strong():
    model = dat2_real()
    with torch.no_grad():
        for _, m in model.named_modules():
            if isinstance(m, nn.Linear):
                m.reset_parameters()
        model.conv_last.weight.mul_(8)
        model.conv_last.bias.mul_(8)
    return model
