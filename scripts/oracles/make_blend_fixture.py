#!/usr/bin/env python3
"""Blend oracles of the transformer families: PyTorch's forward of the blended state dict of two
random models of one configuration (spandrel + PyTorch on the CPU; never run in CI).

For each family the first end is a committed spandrel fixture (run ``make_spandrel_fixtures.py``
first); the second is the same configuration with other weights (``perturb``, seed 2). Every tensor
that differs between the ends (Linears, LayerNorms, position-bias tables or MLPs, temperatures,
convolutions, BatchNorms) is blended ``(1 − α)·a + α·b``; the tensors equal in both (derived
buffers: index tables, attention masks, DAT's ``rpe_biases``) are the configuration's and kept.
Writes to Tests/EnhanceNetworksTests/Fixtures:

- ``<family>_blend_b.weights.safetensors``: the second end;
- ``<family>_blend.io.safetensors``: ``input``, ``alpha`` [1] and ``output``, spandrel's forward of
  the blended state dict.

    /work/torch-venv/bin/python scripts/oracles/make_blend_fixture.py swinir hat dat
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
from spandrel_cases.hat import hat_s_x4  # noqa: E402
from spandrel_cases.swinir import swinir  # noqa: E402

ALPHA = 0.3
BUFFERS = ("relative_position_index", "attn_mask", "attn_mask_0", "attn_mask_1", "rpe_biases")
# family: (first end's fixture, its builder, input height and width)
FAMILIES = {
    "swinir": ("swinir_x2_direct", swinir, (11, 13)),
    "hat": ("hat_s_x4", hat_s_x4, (9, 11)),
    "dat": ("dat_light_x3", dat_light_x3, (7, 6)),
}


def make(family):
    stem, build, (h, w) = FAMILIES[family]
    a = load_file(os.path.join(OUT, stem + ".weights.safetensors"))
    torch.manual_seed(5)
    model_b = perturb(build().eval(), seed=2)
    b = {k: v.detach().contiguous().clone() for k, v in model_b.state_dict().items() if v.dim() > 0}
    assert a.keys() == b.keys() and all(a[k].shape == b[k].shape for k in a)
    same = {k for k in a if torch.equal(a[k], b[k])}
    assert all(k.endswith(BUFFERS) or not a[k].is_floating_point() for k in same), sorted(same)
    save_file(b, os.path.join(OUT, f"{family}_blend_b.weights.safetensors"))
    blend = {k: a[k] if k in same else (1 - ALPHA) * a[k] + ALPHA * b[k] for k in a}
    x = torch.rand((1, 3, h, w), generator=torch.Generator().manual_seed(3))
    net = spandrel.ModelLoader().load_from_state_dict(blend).model.eval().float()
    ya = spandrel.ModelLoader().load_from_state_dict(dict(a)).model.eval().float()
    with torch.no_grad():
        y = net(x)
        d = (y - ya(x)).abs().max().item()
    save_file({"input": x.contiguous(), "alpha": torch.tensor([ALPHA]), "output": y.contiguous()},
              os.path.join(OUT, f"{family}_blend.io.safetensors"))
    print(f"{family}_blend: α {ALPHA}, output range [{y.min():.3f}, {y.max():.3f}], max |blend − a| {d:.4f}")


def main():
    torch.set_num_threads(2)
    for family in sys.argv[1:] or list(FAMILIES):
        make(family)


if __name__ == "__main__":
    main()
