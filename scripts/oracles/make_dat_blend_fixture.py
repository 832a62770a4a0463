#!/usr/bin/env python3
"""DAT blend oracle: PyTorch's forward of the blended state dict of two random DATs of one config.

The first end is ``dat_light_x3`` (run ``make_spandrel_fixtures.py dat_light`` first); the second is
the same configuration with other weights. Every floating-point parameter (Linears, LayerNorms, the
position-bias MLPs, the temperatures, convolutions and BatchNorms) is blended ``(1 − α)·a + α·b``;
the derived buffers (``rpe_biases``, the masks, the index) are the configuration's, equal in both
ends, and kept. Writes to Tests/EnhanceNetworksTests/Fixtures:

- ``dat_blend_b.weights.safetensors``: the second end;
- ``dat_blend.io.safetensors``: ``input`` [1, 3, 7, 6], ``alpha`` [1] and ``output``, spandrel's
  forward of the blended state dict.

    /work/torch-venv/bin/python scripts/oracles/make_dat_blend_fixture.py
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
from spandrel_cases.dat import dat_light_x3  # noqa: E402

ALPHA = 0.3


def main():
    torch.set_num_threads(2)
    a = load_file(os.path.join(OUT, "dat_light_x3.weights.safetensors"))
    torch.manual_seed(5)
    model_b = perturb(dat_light_x3().eval(), seed=2)
    b = {k: v.detach().contiguous().clone() for k, v in model_b.state_dict().items() if v.dim() > 0}
    assert a.keys() == b.keys() and all(a[k].shape == b[k].shape for k in a)
    same = [k for k in a if torch.equal(a[k], b[k])]
    assert all(k.endswith(("rpe_biases", "relative_position_index", "attn_mask_0", "attn_mask_1")) for k in same)
    save_file(b, os.path.join(OUT, "dat_blend_b.weights.safetensors"))
    blend = {k: a[k] if k in same else (1 - ALPHA) * a[k] + ALPHA * b[k] for k in a}
    x = torch.rand((1, 3, 7, 6), generator=torch.Generator().manual_seed(3))
    net = spandrel.ModelLoader().load_from_state_dict(blend).model.eval().float()
    ya = spandrel.ModelLoader().load_from_state_dict(dict(a)).model.eval().float()
    with torch.no_grad():
        y = net(x)
        d = (y - ya(x)).abs().max().item()
    save_file({"input": x.contiguous(), "alpha": torch.tensor([ALPHA]), "output": y.contiguous()},
              os.path.join(OUT, "dat_blend.io.safetensors"))
    print(f"dat_blend: α {ALPHA}, output range [{y.min():.3f}, {y.max():.3f}], max |blend − a| {d:.4f}")


if __name__ == "__main__":
    main()
