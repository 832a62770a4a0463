#!/usr/bin/env python3
"""SwinIR blend oracle: PyTorch's forward of the blended state dict of two random SwinIRs of one config.

The first end is ``swinir_x2_direct`` (run ``make_spandrel_fixtures.py swinir`` first); the second is
the same configuration with other weights. Every floating-point parameter is blended
``(1 − α)·a + α·b``; the derived buffers (``relative_position_index``, ``attn_mask``) are the
configuration's and are kept. Writes to Tests/EnhanceNetworksTests/Fixtures:

- ``swinir_blend_b.weights.safetensors``: the second end;
- ``swinir_blend.io.safetensors``: ``input`` [1, 3, 11, 13], ``alpha`` [1] and ``output``, spandrel's
  forward of the blended state dict.

    /work/torch-venv/bin/python scripts/oracles/make_swinir_blend_fixture.py
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
from spandrel_cases.swinir import swinir  # noqa: E402

ALPHA = 0.3


def main():
    torch.set_num_threads(2)
    a = load_file(os.path.join(OUT, "swinir_x2_direct.weights.safetensors"))
    torch.manual_seed(5)
    model_b = perturb(swinir().eval(), seed=2)
    b = {k: v.detach().contiguous().clone() for k, v in model_b.state_dict().items()}
    assert a.keys() == b.keys() and all(a[k].shape == b[k].shape for k in a)
    assert all(torch.equal(a[k], b[k]) for k in a if k.endswith(("attn_mask", "relative_position_index")))
    save_file(b, os.path.join(OUT, "swinir_blend_b.weights.safetensors"))

    def weight(k):
        return a[k].is_floating_point() and not k.endswith("attn_mask")
    blend = {k: (1 - ALPHA) * a[k] + ALPHA * b[k] if weight(k) else a[k] for k in a}
    x = torch.rand((1, 3, 11, 13), generator=torch.Generator().manual_seed(3))
    net = spandrel.ModelLoader().load_from_state_dict(blend).model.eval().float()
    ya = spandrel.ModelLoader().load_from_state_dict(dict(a)).model.eval().float()
    with torch.no_grad():
        y = net(x)
        d = (y - ya(x)).abs().max().item()
    save_file({"input": x.contiguous(), "alpha": torch.tensor([ALPHA]), "output": y.contiguous()},
              os.path.join(OUT, "swinir_blend.io.safetensors"))
    print(f"swinir_blend: α {ALPHA}, output range [{y.min():.3f}, {y.max():.3f}], max |blend − a| {d:.4f}")


if __name__ == "__main__":
    main()
