"""Checks the RRDBNet-23 initialisation (rrdb.py's own ncnn reader) against ncnn itself.

  /work/venv-train/bin/python Models/training/check_rrdb_init.py

Runs RealESRGAN_x4plus twice on the same seeded random 24x20 input: as the torch RRDBNet built
from our parse of the .param/.bin, and through the `ncnn` PyPI package (fp32 arithmetic, fp16
storage off, so both use the same fp16-rounded weights). Prints the max/mean absolute difference
(fails above 1e-4, a tenth of an fp16 step at 1.0) and the MACs/pixel by formula and by conv hooks.
"""
import numpy as np
import torch
import torch.nn as nn

from train_rrdb_psnr import NCNN
from rrdb import load_ncnn_rrdb, rrdb_from_state_dict, rrdb_macs_per_input_pixel


def main():
    import ncnn

    torch.set_num_threads(1)
    model = rrdb_from_state_dict(load_ncnn_rrdb(NCNN))
    total = [0]
    hook = lambda m, i, o: total.__setitem__(0, total[0] + o.numel() * m.in_channels * 9)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            m.register_forward_hook(hook)
    x = np.random.default_rng(0).random((3, 20, 24), dtype=np.float32)
    with torch.no_grad():
        y = model(torch.from_numpy(x)[None])[0].numpy()
    net = ncnn.Net()
    for k in ("use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic", "use_bf16_storage", "use_vulkan_compute"):
        setattr(net.opt, k, False)
    net.opt.num_threads = 1
    net.load_param(str(NCNN))
    net.load_model(str(NCNN.with_suffix(".bin")))
    ex = net.create_extractor()
    ex.input("data", ncnn.Mat(np.ascontiguousarray(x)))
    ret, out = ex.extract("output")
    z = np.array(out)
    assert ret == 0 and z.shape == y.shape, (ret, z.shape, y.shape)
    d = np.abs(y - z)
    print(f"params {sum(p.numel() for p in model.parameters())}  MACs/px formula {rrdb_macs_per_input_pixel()}"
          f"  hooks {total[0] / (20 * 24):.0f}")
    print(f"torch vs ncnn on {x.shape[1]}x{x.shape[2]} -> {y.shape[1]}x{y.shape[2]}: max |diff| {d.max():.3g}, "
          f"mean {d.mean():.3g}")
    assert d.max() < 1e-4, d.max()


if __name__ == "__main__":
    main()
