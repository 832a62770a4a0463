"""One module per architecture family; each registers its cases with ``case``."""
CASES = {}


def case(name, size=(12, 10), real_size=False, noise=0.05, via_loader=True):
    """Registers ``fn() -> torch.nn.Module`` as fixture ``name`` with an input of ``size`` (h, w);
    ``real_size`` cases are the local (not CI) check's and are written to /tmp only; ``noise`` is
    the standard deviation of the seeded noise added to every parameter. ``via_loader=False``: the
    oracle is the module as built, not as ``spandrel.ModelLoader`` rebuilds it from the state dict
    (for shapes spandrel's loader does not read, e.g. a SwinIR ``num_feat`` other than 64)."""
    def register(fn):
        CASES[name] = (fn, size, real_size, noise, via_loader)
        return fn
    return register
