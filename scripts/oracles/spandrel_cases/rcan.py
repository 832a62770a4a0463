"""RCAN (spandrel ``RCAN``): tiny random instances of the variants spandrel detects, and spandrel's
default ×4 RCAN (64 features, 10 groups of 20 RCABs) for the local check.

Variants: pixel-shuffle tails ×4 (two ×2 stages), ×2, ×3 and ×8 (three stages); with and without
the mean shift (``norm``: ``sub_mean``/``add_mean`` convs, input scaled by rgb_range 255); a 5×5
kernel; the ``unshuffle_mod`` head (pixel unshuffle, then the ×4 tail) for ×2 and ×1; 32 features
(the width the channel-packed path needs) in one ×2 case."""
import torch
from spandrel.architectures.RCAN import RCAN

from spandrel_cases import case


@case("rcan_x4", size=(12, 10))
def rcan_x4():
    return RCAN(scale=4, n_resgroups=2, n_resblocks=2, n_feats=8, reduction=4)


@case("rcan_x2_nonorm", size=(11, 13))
def rcan_x2_nonorm():
    return RCAN(scale=2, n_resgroups=2, n_resblocks=1, n_feats=8, reduction=2, norm=False)


@case("rcan_x3_k5", size=(9, 10))
def rcan_x3_k5():
    return RCAN(scale=3, n_resgroups=1, n_resblocks=2, n_feats=8, reduction=4, kernel_size=5)


@case("rcan_x8", size=(6, 5))
def rcan_x8():
    return RCAN(scale=8, n_resgroups=1, n_resblocks=1, n_feats=4, reduction=2)


@case("rcan_x2_unshuffle", size=(12, 10))
def rcan_x2_unshuffle():
    return RCAN(scale=2, n_resgroups=1, n_resblocks=2, n_feats=8, reduction=4, unshuffle_mod=True)


@case("rcan_x1_unshuffle", size=(12, 16))
def rcan_x1_unshuffle():
    return RCAN(scale=1, n_resgroups=1, n_resblocks=1, n_feats=8, reduction=4, unshuffle_mod=True)


@case("rcan_x2_nf32", size=(14, 12))
def rcan_x2_nf32():
    return RCAN(scale=2, n_resgroups=1, n_resblocks=1, n_feats=32, reduction=16)


def damped_rcan(factor):
    """spandrel's default RCAN ×4 with the second conv of every RCAB and each group's last conv scaled by
    ``factor`` (1: PyTorch's initial weights)."""
    model = RCAN(scale=4, n_resgroups=10, n_resblocks=20, n_feats=64)
    with torch.no_grad():
        for group in model.body[:-1]:
            for block in group.body[:-1]:
                block.body[2].weight.mul_(factor)
            group.body[-1].weight.mul_(factor)
    return model


# The usual noise (0.05) on 200 residual branches grows the output without bound (1e25); 0.002 leaves
# PyTorch's initial weights (the body's residual about 4x the head's output).
@case("rcan_real", size=(64, 56), real_size=True, noise=0.002)
def rcan_real():
    return damped_rcan(1.0)


@case("rcan_real_damped", size=(64, 56), real_size=True, noise=0.002)
def rcan_real_damped():
    # Residual branches ten times smaller (the body's residual about the head's output), as in trained
    # networks whose residuals are small.
    return damped_rcan(0.1)
