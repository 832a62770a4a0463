#!/usr/bin/env python3
"""Builds spandrel + PyTorch oracle fixtures for the architecture families spandrel defines.

Each case (scripts/oracles/spandrel_cases/<family>.py, registered with
``from spandrel_cases import case``; ``@case("span_ch8_x4", size=(12, 10))``) builds a TINY
instance of spandrel's own architecture class, perturbs every parameter with seeded noise (so
zero-initialised scales and biases are exercised), and checks that ``spandrel.ModelLoader`` loads
the state dict back as the same architecture (so the key layout is one spandrel accepts; cases with
``via_loader=False`` have shapes spandrel's loader does not read and run as built). Then:

- ``<name>.weights.safetensors`` (F32, integer index buffers as stored) and ``<name>.pth``
  (``torch.save`` of the state dict, the zip format users download) hold the weights;
- ``<name>.io.safetensors`` holds ``input`` [1, 3, H, W] in [0, 1] and ``output``, the reference
  forward of the model spandrel loaded from that state dict, float32 on the CPU, and ``parameters``
  (int64 [1]): the count PyTorch reports, ``sum(p.numel() for p in model.parameters())`` (buffers
  such as index tables, masks and BatchNorm statistics are not parameters).

Never run in CI: PyTorch comes from PyPI (the CUDA build) in a venv outside the repository.

    /work/torch-venv/bin/python scripts/oracles/make_spandrel_fixtures.py [--real-size] [PREFIX...]

``PREFIX``: the cases whose names start with it (``swinir``: every SwinIR case). ``--real-size`` runs
the cases' real-size configurations instead and writes them to /tmp only (for the local, not-CI
check). ``--seed N`` (N > 1) writes ``<name>_seedN.*`` with other random weights: the second
checkpoint of a pair, for ``enhance bench --tui-latency --psnr-model A --gan-model B`` on one
configuration.
"""
import argparse
import importlib
import os
import pkgutil
import sys

import torch
from safetensors.torch import save_file
import spandrel

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "EnhanceNetworksTests", "Fixtures")
sys.path.insert(0, HERE)
from spandrel_cases import CASES  # noqa: E402


def perturb(model, seed, scale=0.05):
    """Adds seeded noise to every floating-point parameter and buffer except BatchNorm counters,
    attention masks (``attn_mask``, DAT's ``attn_mask_0/1``: derived from the window size, the
    reference uses the stored one at its training size) and DAT's relative offsets (``rpe_biases``:
    derived, the input of its position-bias MLP, and spandrel reads the split size from them)."""
    g = torch.Generator().manual_seed(seed)
    derived = ("attn_mask", "attn_mask_0", "attn_mask_1", "rpe_biases")
    with torch.no_grad():
        for name, t in list(model.named_parameters()) + list(model.named_buffers()):
            if t.is_floating_point() and name.split(".")[-1] not in derived:
                t.add_(torch.randn(t.shape, generator=g) * scale)
    return model


def write(name, model, size, out_dir, seed=1, noise=0.05, via_loader=True):
    model = perturb(model.eval(), seed, noise)
    state = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    want = type(model).__name__
    if via_loader:
        loaded = spandrel.ModelLoader().load_from_state_dict(state)
        got, scale = type(loaded.model).__name__, loaded.scale
        assert got == want, f"{name}: spandrel loads the state dict as {got}, not {want}"
        net = loaded.model.eval().float()
    else:
        got, scale, net = want + " (as built)", None, model
    g = torch.Generator().manual_seed(seed + 1)
    x = torch.rand((1, 3) + tuple(size), generator=g)
    with torch.no_grad():
        y = net(x.clone()).float()  # some forwards scale their input in place (RCAN: x *= rgb_range)
    os.makedirs(out_dir, exist_ok=True)
    floats = {k: v.float() for k, v in state.items() if v.is_floating_point()}
    # Integer index buffers (SwinIR's relative_position_index) as stored; scalar counters left out.
    ints = {k: v for k, v in state.items() if not v.is_floating_point() and v.dim() > 0}
    save_file({**floats, **ints}, os.path.join(out_dir, f"{name}.weights.safetensors"))
    torch.save(state, os.path.join(out_dir, f"{name}.pth"))
    params = sum(p.numel() for p in net.parameters())
    save_file({"input": x.contiguous(), "output": y.contiguous(), "parameters": torch.tensor([params])},
              os.path.join(out_dir, f"{name}.io.safetensors"))
    print(f"{name}: {got} scale {scale}, {params} parameters, input {list(x.shape)} -> {list(y.shape)}, "
          f"output range [{y.min():.3f}, {y.max():.3f}]")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--real-size", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    for m in pkgutil.iter_modules([os.path.join(HERE, "spandrel_cases")]):
        importlib.import_module("spandrel_cases." + m.name)
    torch.set_num_threads(2)
    for name, (fn, size, real, noise, via_loader) in sorted(CASES.items()):
        if real != args.real_size or (args.names and not any(name.startswith(n) for n in args.names)):
            continue
        torch.manual_seed(0 if args.seed == 1 else args.seed)
        out_name = name if args.seed == 1 else f"{name}_seed{args.seed}"
        write(out_name, fn(), size, "/tmp/enhance-real-size" if real else OUT, seed=args.seed, noise=noise,
              via_loader=via_loader)


if __name__ == "__main__":
    main()
