#!/usr/bin/env python3
"""SPAN blend oracle: "blend the checkpoints, then re-parameterise", computed by spandrel + PyTorch.

A SPAN Conv3XC's fused 3×3 weight is a product of its branch weights (1×1 · 3×3 · 1×1), so blending
two checkpoints and then fusing differs from fusing each and blending the fused weights. Writes to
Tests/EnhanceNetworksTests/Fixtures:

- ``span_blend_b.weights.safetensors``: the second end, a SPAN of the shapes of ``span_ch3_x4``
  (run make_spandrel_fixtures.py span_ch3_x4 first: that fixture is the first end) with other weights;
- ``span_blend.io.safetensors``: ``input`` [1, 3, 12, 10], ``alpha`` [1], ``output`` = spandrel's
  forward of the state dict ``(1 − α)·a + α·b`` (every tensor blended, then loaded: spandrel
  re-parameterises in its forward), and ``output_fused_blend`` = the same network with each
  ``eval_conv`` set to the blend of the two ends' fused weights (re-parameterise, then blend):
  the answer a loader that blended fused kernels would give.

    /work/torch-venv/bin/python scripts/oracles/make_span_blend_fixture.py
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
from spandrel_cases.span import span  # noqa: E402

ALPHA = 0.3


def load(state):
    return spandrel.ModelLoader().load_from_state_dict(dict(state)).model.eval().float()


def fused(model):
    """Each Conv3XC's fused (weight, bias), as spandrel's update_params computes them."""
    out = {}
    for name, m in model.named_modules():
        if hasattr(m, "update_params"):
            m.update_params()
            out[name] = (m.eval_conv.weight.detach().clone(), m.eval_conv.bias.detach().clone())
    return out


def main():
    torch.set_num_threads(2)
    a = load_file(os.path.join(OUT, "span_ch3_x4.weights.safetensors"))
    model_b = perturb(span(3, 4, seed=5).eval(), seed=2)
    b = {k: v.detach().contiguous().clone() for k, v in model_b.state_dict().items()}
    assert a.keys() == b.keys() and all(a[k].shape == b[k].shape for k in a)
    save_file(b, os.path.join(OUT, "span_blend_b.weights.safetensors"))

    blend = {k: (1 - ALPHA) * a[k] + ALPHA * b[k] for k in a}
    x = torch.rand((1, 3, 12, 10), generator=torch.Generator().manual_seed(3))
    net = load(blend)
    with torch.no_grad():
        y = net(x)
        fa, fb = fused(load(a)), fused(load(b))
        for name, m in net.named_modules():
            if name in fa:
                m.eval_conv.weight.copy_((1 - ALPHA) * fa[name][0] + ALPHA * fb[name][0])
                m.eval_conv.bias.copy_((1 - ALPHA) * fa[name][1] + ALPHA * fb[name][1])
                m.update_params = lambda: None  # run eval_conv as set
        y_fused_blend = net(x)
    save_file({"input": x.contiguous(), "alpha": torch.tensor([ALPHA]), "output": y.contiguous(),
               "output_fused_blend": y_fused_blend.contiguous()}, os.path.join(OUT, "span_blend.io.safetensors"))
    d = (y - y_fused_blend).abs().max().item()
    print(f"span_blend: α {ALPHA}, output range [{y.min():.3f}, {y.max():.3f}], "
          f"max |blend-then-fuse − fuse-then-blend| {d:.4f}")


if __name__ == "__main__":
    main()
