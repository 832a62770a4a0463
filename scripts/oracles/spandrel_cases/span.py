"""SPAN (spandrel ``SPAN``): Conv3XC re-parameterised convs, six SPAB blocks, ``conv_cat``, pixel shuffle.

The tiny cases cover the shapes spandrel reads (``feature_channels`` from ``conv_1.sk``, the scale
from ``upsampler.0``, ``norm`` from the presence of the ``no_norm`` buffer). ``perturb`` also adds
noise to every ``eval_conv`` tensor: spandrel's eval forward recomputes those from ``sk`` and
``conv.*`` (``Conv3XC.update_params``), so the stored values are stale on purpose and a loader that
read them would miss the reference output.
"""
import torch
from spandrel.architectures.SPAN import SPAN

from spandrel_cases import case


def span(nf, scale, norm=True, seed=None):
    if seed is not None:
        torch.manual_seed(seed)
    return SPAN(num_in_ch=3, num_out_ch=3, feature_channels=nf, upscale=scale, norm=norm)


@case("span_ch3_x4", size=(12, 10))
def ch3_x4():
    return span(3, 4)


@case("span_ch2_x2_nonorm", size=(11, 9))
def ch2_x2_nonorm():
    return span(2, 2, norm=False)


@case("span_ch2_x3", size=(9, 12))
def ch2_x3():
    return span(2, 3)


@case("span_ch16_x2", size=(13, 11))
def ch16_x2():
    """16 features: the channel-packed trunk (widths that are multiples of 16)."""
    return span(16, 2)


@case("span_ch16_x4", size=(10, 9))
def span_ch16_x4():
    """16 features at ×4: the packed trunk and the packed ×4 upsampler (48 outputs, shuffled to CHW)."""
    return span(16, 4)


@case("span_ch48_x4_real", size=(64, 56), real_size=True)
def ch48_x4_real():
    return span(48, 4)
