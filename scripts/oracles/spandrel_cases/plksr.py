"""PLKSR and RealPLKSR (spandrel ``PLKSR`` folder): tiny random instances of every variant
spandrel detects, and one real-size RealPLKSR for the local check.

PLKSR: CCM / ICCM / DCCM channel mixers (GELU), a partial large-kernel conv on the first channels
(PLK, and the SparsePLK / RectSparsePLK ablations), with and without element-wise attention. RealPLKSR: DCCM with Mish, GroupNorm (4 groups) or
LayerNorm, pixel shuffle or DySample."""
from spandrel.architectures.PLKSR import PLKSR, RealPLKSR

from spandrel_cases import case


@case("plksr_x4_ccm", size=(12, 10))
def plksr_x4_ccm():
    return PLKSR(dim=8, n_blocks=2, upscaling_factor=4, ccm_type="CCM", kernel_size=7, split_ratio=0.25)


@case("plksr_x2_iccm_noea", size=(11, 13))
def plksr_x2_iccm_noea():
    return PLKSR(dim=8, n_blocks=2, upscaling_factor=2, ccm_type="ICCM", kernel_size=5, split_ratio=0.5,
                 use_ea=False)


@case("plksr_x3_dccm", size=(9, 10))
def plksr_x3_dccm():
    return PLKSR(dim=8, n_blocks=1, upscaling_factor=3, ccm_type="DCCM", kernel_size=9, split_ratio=0.25)


@case("plksr_x2_sparse", size=(12, 10))
def plksr_x2_sparse():
    # spandrel reads SparsePLK with its defaults: 5x5 kernels, dilations 1, 2, 3, 4, no max kernel.
    return PLKSR(dim=8, n_blocks=1, upscaling_factor=2, ccm_type="CCM", lk_type="SparsePLK", split_ratio=0.25)


@case("plksr_x4_rectsparse", size=(12, 10))
def plksr_x4_rectsparse():
    return PLKSR(dim=8, n_blocks=2, upscaling_factor=4, ccm_type="DCCM", lk_type="RectSparsePLK", kernel_size=9,
                 split_ratio=0.25)


@case("realplksr_x4", size=(12, 10))
def realplksr_x4():
    return RealPLKSR(dim=8, n_blocks=2, upscaling_factor=4, kernel_size=7, split_ratio=0.25)


@case("realplksr_x2_dysample", size=(11, 13))
def realplksr_x2_dysample():
    return RealPLKSR(dim=8, n_blocks=2, upscaling_factor=2, kernel_size=5, split_ratio=0.25, dysample=True)


@case("realplksr_x3_dysample_ln_noea", size=(9, 10))
def realplksr_x3_dysample_ln_noea():
    return RealPLKSR(dim=8, n_blocks=2, upscaling_factor=3, kernel_size=5, split_ratio=0.5, dysample=True,
                     layer_norm=True, use_ea=False)


@case("realplksr_x4_ln", size=(12, 10))
def realplksr_x4_ln():
    return RealPLKSR(dim=8, n_blocks=2, upscaling_factor=4, kernel_size=7, split_ratio=0.25, layer_norm=True)


@case("realplksr_x1_dysample", size=(10, 9))
def realplksr_x1_dysample():
    return RealPLKSR(dim=8, n_blocks=1, upscaling_factor=1, kernel_size=5, split_ratio=0.25, dysample=True)


@case("realplksr_x2_packed", size=(12, 10))
def realplksr_x2_packed():
    """dim 32 and split 0.5: the partial conv takes one whole 16-channel group, so Enhance runs the
    trunk channel-packed; GroupNorm's 4 groups of 8 channels are half a packed group each."""
    return RealPLKSR(dim=32, n_blocks=1, upscaling_factor=2, kernel_size=5, split_ratio=0.5)


@case("realplksr_real", size=(64, 56), real_size=True)
def realplksr_real():
    return RealPLKSR(dim=64, n_blocks=28, upscaling_factor=4, kernel_size=17, split_ratio=0.25)


@case("realplksr_real_init", size=(64, 56), real_size=True, noise=0.0)
def realplksr_real_init():
    """spandrel's initial weights unperturbed (outputs near the input's range, where the perturbed
    ``realplksr_real``'s span ±35): the whole-image statistics measurement's second RealPLKSR."""
    return RealPLKSR(dim=64, n_blocks=28, upscaling_factor=4, kernel_size=17, split_ratio=0.25)
