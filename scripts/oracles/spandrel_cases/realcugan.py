"""Real-CUGAN (spandrel ``RealCUGAN``): UpCunet 2×, 3×, 4× and the ``pro`` variant.

The U-Nets' widths are fixed by the architecture (about 1.3 M parameters), so every case is
real-size in its weights; the inputs are tiny instead (larger than the reflect padding, which
PyTorch's reflect mode needs). The ``_odd`` cases reuse their variant's weights (same seeds: only
their ``.io.safetensors`` is committed) on sides that are not multiples of the stride-2 levels'
multiple, which the reference's forward pads itself. spandrel tells the
variants apart by ``conv_final`` (4×), the ``unet1.conv_bottom`` kernel (5×5: 3×, 4×4: 2×) and
the ``pro`` buffer. The ``real_size`` case has a picture-sized input for the local check.
"""
from spandrel.architectures.RealCUGAN import UpCunet2x, UpCunet3x, UpCunet4x

from spandrel_cases import case


@case("realcugan_x2", size=(20, 22))
def x2():
    return UpCunet2x(in_channels=3, out_channels=3)


@case("realcugan_x2_odd", size=(21, 23))
def x2_odd():
    """The weights of ``realcugan_x2`` (same seeds; only the io file is committed) on odd sides,
    which the reference reflect-pads to even in one step with its 18 px."""
    return UpCunet2x(in_channels=3, out_channels=3)


@case("realcugan_x3_odd", size=(21, 23))
def x3_odd():
    """The weights of ``realcugan_x3`` on sides that are not multiples of 4 (21 = 4·5 + 1,
    23 = 4·5 + 3): the reference reflect-pads them to 24 together with its 14 px."""
    return UpCunet3x(in_channels=3, out_channels=3)


@case("realcugan_x4_odd", size=(23, 21))
def x4_odd():
    """The weights of ``realcugan_x4`` on odd sides (19 px of reflection and one more row and column)."""
    return UpCunet4x(in_channels=3, out_channels=3)


@case("realcugan_x2_pro", size=(22, 20))
def x2_pro():
    return UpCunet2x(in_channels=3, out_channels=3, pro=True)


@case("realcugan_x3", size=(16, 20))
def x3():
    return UpCunet3x(in_channels=3, out_channels=3)


@case("realcugan_x4", size=(20, 24))
def x4():
    return UpCunet4x(in_channels=3, out_channels=3)


@case("realcugan_x2_real", size=(128, 96), real_size=True)
def x2_real():
    return UpCunet2x(in_channels=3, out_channels=3)


@case("realcugan_x2_real_init", size=(128, 96), real_size=True, noise=0.0)
def x2_real_init():
    """PyTorch's initial (Kaiming) weights unperturbed: the statistics measurement's second 2×."""
    return UpCunet2x(in_channels=3, out_channels=3)
