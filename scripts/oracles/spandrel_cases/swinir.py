"""SwinIR (spandrel ``SwinIR``): tiny random instances of every variant spandrel's loader builds, and
SwinIR-M as the real-world ×4 models are (``003_realSR_BSRGAN_DFO_s64w8_SwinIR-M_x4_GAN``) for the
local check.

Variants: each upsampler (``pixelshuffle`` ×2/×3/×4/×8, ``pixelshuffledirect`` ×2/×3, ``nearest+conv``
×2/×4/×8, none for ×1 with window 7, which spandrel runs at img_range 255), ``patch_norm`` on and
off, ``1conv``/``3conv``, depths and heads that differ per layer, window sizes 4, 7 and 8 with input
sides that are not window multiples (the reference reflect-pads them) or smaller than a window.
``img_size`` is small (8 to 14 px) so that the ``attn_mask`` buffers stay small; spandrel reads it
back from their shape. spandrel's SwinIR fixes ``num_feat`` at 64 and always builds ``patch_norm``,
so the cases with a smaller ``num_feat`` (to keep the fixtures small) or without ``patch_norm`` are
spandrel's SwinIR class run as built (``via_loader=False``); the 64-feature tails are checked by the
real-size case.
"""
import torch
from torch import nn
from spandrel.architectures.SwinIR import SwinIR
from spandrel.architectures.SwinIR.__arch.SwinIR import Upsample

from spandrel_cases import case


def swinir(embed=12, depths=(2, 2), heads=(2, 3), window=4, img_size=8, mlp_ratio=2.0, scale=2,
           upsampler="pixelshuffledirect", resi="1conv", patch_norm=True, num_feat=None):
    img_range = 255.0 if window == 7 else 1.0  # what spandrel's loader assumes
    model = SwinIR(img_size=img_size, embed_dim=embed, depths=list(depths), num_heads=list(heads),
                   window_size=window, mlp_ratio=mlp_ratio, upscale=scale, img_range=img_range,
                   upsampler=upsampler, resi_connection=resi, patch_norm=patch_norm)
    if num_feat is not None:
        # The same tail with num_feat features (spandrel's class fixes 64).
        model.conv_before_upsample[0] = nn.Conv2d(embed, num_feat, 3, 1, 1)
        model.conv_last = nn.Conv2d(num_feat, 3, 3, 1, 1)
        if upsampler == "pixelshuffle":
            model.upsample = Upsample(scale, num_feat)
        else:
            for name in ["conv_up1", "conv_up2", "conv_up3", "conv_hr"]:
                if hasattr(model, name):
                    setattr(model, name, nn.Conv2d(num_feat, num_feat, 3, 1, 1))
    return model


@case("swinir_x2_direct", size=(11, 13))
def x2_direct():
    return swinir()


@case("swinir_x3_direct_3conv", size=(9, 8))
def x3_direct_3conv():
    return swinir(embed=8, depths=(3,), heads=(2,), scale=3, resi="3conv")


@case("swinir_x1_w7", size=(13, 9))
def x1_w7():
    # The JPEG-artefact models: window 7, img_range 255, no upsampler.
    return swinir(embed=8, depths=(2, 1), heads=(1, 2), window=7, img_size=14, scale=1, upsampler="")


@case("swinir_x4_ps", size=(10, 7), via_loader=False)
def x4_ps():
    return swinir(scale=4, upsampler="pixelshuffle", num_feat=4)


@case("swinir_x3_ps_nopatchnorm", size=(7, 9), via_loader=False)
def x3_ps_nopatchnorm():
    return swinir(embed=8, depths=(2,), heads=(2,), scale=3, upsampler="pixelshuffle", num_feat=4,
                  patch_norm=False)


@case("swinir_x2_ps_3conv", size=(8, 8), via_loader=False)
def x2_ps_3conv():
    return swinir(scale=2, upsampler="pixelshuffle", num_feat=4, resi="3conv", mlp_ratio=1.5)


@case("swinir_x8_ps", size=(5, 6), via_loader=False)
def x8_ps():
    # A window of 8 on a 5×6 input: padded to one window (shift 4).
    return swinir(embed=8, depths=(2,), heads=(2,), window=8, img_size=16, scale=8, upsampler="pixelshuffle",
                  num_feat=4)


@case("swinir_x4_nearest", size=(9, 11), via_loader=False)
def x4_nearest():
    return swinir(scale=4, upsampler="nearest+conv", num_feat=4)


@case("swinir_x2_nearest_nopatchnorm", size=(12, 10), via_loader=False)
def x2_nearest_nopatchnorm():
    return swinir(embed=8, depths=(2, 2), heads=(2, 2), scale=2, upsampler="nearest+conv", num_feat=4,
                  patch_norm=False)


@case("swinir_x8_nearest", size=(6, 5), via_loader=False)
def x8_nearest():
    return swinir(embed=8, depths=(2,), heads=(2,), scale=8, upsampler="nearest+conv", num_feat=3)


# spandrel's initial weights (trunc-normal 0.02 Linears, LayerNorms at 1 and 0, PyTorch's conv init)
# with little noise, as for the other real-size cases.
@case("swinir_real", size=(45, 38), real_size=True, noise=0.002)
def swinir_m_real():
    return SwinIR(img_size=64, embed_dim=180, depths=[6] * 6, num_heads=[6] * 6, window_size=8, mlp_ratio=2,
                  upscale=4, img_range=1.0, upsampler="nearest+conv", resi_connection="1conv")


# SwinIR's initial Linears (trunc-normal 0.02) leave the attention and MLP branches small, so they
# hardly carry anything across windows, and PyTorch's conv init shrinks the tail's output (a
# near-constant 0.40–0.52). For the seam measurement, also every Linear at PyTorch's default init
# (U(±1/√fan_in)) and relative position tables N(0, 1) (branches of the stream's size and peaked
# attention, as in trained networks), and conv_last ×8 (an output spanning about 0…1).
@case("swinir_real_strong", size=(45, 38), real_size=True, noise=0.002)
def swinir_m_real_strong():
    model = swinir_m_real()
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, nn.Linear):
                m.reset_parameters()
            if hasattr(m, "relative_position_bias_table"):
                m.relative_position_bias_table.normal_(0, 1)
        model.conv_last.weight.mul_(8)
        model.conv_last.bias.mul_(8)
    return model
