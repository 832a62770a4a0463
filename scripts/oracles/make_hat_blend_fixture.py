#!/usr/bin/env python3
"""HAT blend oracle: PyTorch's forward of the blended state dict of two random HATs of one config.

The first end is ``hat_s_x4`` (run ``make_spandrel_fixtures.py hat`` first); the second is the same
configuration with other weights. Every floating-point parameter (Linears, LayerNorms, both relative
position bias tables, convolutions, the channel attention's 1×1 convs) is blended
``(1 − α)·a + α·b``; the derived index buffers are the configuration's and are kept. Writes to
Tests/EnhanceNetworksTests/Fixtures:

- ``hat_blend_b.weights.safetensors``: the second end;
- ``hat_blend.io.safetensors``: ``input`` [1, 3, 9, 11], ``alpha`` [1] and ``output``, spandrel's
  forward of the blended state dict.

    /work/torch-venv/bin/python scripts/oracles/make_hat_blend_fixture.py
"""
import os
import sys

import torch
from safetensors.torch import load_file, save_file
import spandrel

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "EnhanceNetworksTests", "Fixtures")
sys.path.insert(0, HERE)
from make_spandrel_fixtures import perturb  # noqa: E402
from spandrel_cases.hat import hat_s_x4  # noqa: E402

ALPHA = 0.3


def main():
    torch.set_num_threads(2)
    a = load_file(os.path.join(OUT, "hat_s_x4.weights.safetensors"))
    torch.manual_seed(5)
    model_b = perturb(hat_s_x4().eval(), seed=2)
    b = {k: v.detach().contiguous().clone() for k, v in model_b.state_dict().items()}
    assert a.keys() == b.keys() and all(a[k].shape == b[k].shape for k in a)
    assert all(torch.equal(a[k], b[k]) for k in a if not a[k].is_floating_point())
    save_file(b, os.path.join(OUT, "hat_blend_b.weights.safetensors"))
    blend = {k: (1 - ALPHA) * a[k] + ALPHA * b[k] if a[k].is_floating_point() else a[k] for k in a}
    x = torch.rand((1, 3, 9, 11), generator=torch.Generator().manual_seed(3))
    net = spandrel.ModelLoader().load_from_state_dict(blend).model.eval().float()
    ya = spandrel.ModelLoader().load_from_state_dict(dict(a)).model.eval().float()
    with torch.no_grad():
        y = net(x)
        d = (y - ya(x)).abs().max().item()
    save_file({"input": x.contiguous(), "alpha": torch.tensor([ALPHA]), "output": y.contiguous()},
              os.path.join(OUT, "hat_blend.io.safetensors"))
    print(f"hat_blend: α {ALPHA}, output range [{y.min():.3f}, {y.max():.3f}], max |blend − a| {d:.4f}")


if __name__ == "__main__":
    main()
