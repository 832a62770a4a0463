#!/usr/bin/env python3
"""Generate resampling oracles for EnhanceImagingTests.

* Pillow ``Image.resize(size, Image.BICUBIC)`` on 8-bit RGB: inputs and expected outputs as PNG.
* MATLAB ``imresize(x, s, 'bicubic')`` via basicsr 1.4.2's ``matlab_functions.imresize`` (a port of
  MATLAB's imresize: antialiased cubic, symmetric padding), float outputs stored as JSON.

Usage: python3 scripts/imaging/make_bicubic_fixtures.py  (from the repository root)
"""
import importlib.util
import json
import os
import subprocess
import sys
import tarfile
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "EnhanceImagingTests", "Fixtures", "bicubic")


def synthetic(w, h, seed):
    """Smooth gradients + sinusoids + a sharp rectangle + mild noise, 8-bit RGB."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    chans = []
    for c in range(3):
        f = rng.uniform(0.2, 0.9, 2)
        v = 128 + 60 * np.sin(f[0] * x + c) * np.cos(f[1] * y - c) + 40 * (x / w - 0.5) + rng.normal(0, 8, (h, w))
        v[h // 4: h // 2, w // 3: 2 * w // 3] = 235 - 200 * (c == 1)
        chans.append(v)
    return np.clip(np.stack(chans, -1), 0, 255).round().astype(np.uint8)


def load_basicsr_imresize():
    """Import basicsr/utils/matlab_functions.py from the pinned sdist without installing basicsr."""
    tmp = tempfile.mkdtemp()
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                    "basicsr==1.4.2", "-d", tmp], check=True, capture_output=True)
    sdist = os.path.join(tmp, "basicsr-1.4.2.tar.gz")
    with tarfile.open(sdist) as tar:
        member = tar.getmember("basicsr-1.4.2/basicsr/utils/matlab_functions.py")
        tar.extract(member, tmp, filter="data")
    path = os.path.join(tmp, member.name)
    spec = importlib.util.spec_from_file_location("matlab_functions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.imresize


def main():
    os.makedirs(OUT, exist_ok=True)
    inputs = {"a": synthetic(23, 17, 1), "b": synthetic(36, 24, 2)}
    pillow_cases = []
    for name, arr in inputs.items():
        Image.fromarray(arr, "RGB").save(os.path.join(OUT, f"input_{name}.png"))
        h, w = arr.shape[:2]
        sizes = [(2 * w, 2 * h), (4 * w, 4 * h), (int(w * 1.7), int(h * 2.3)), (w + 1, h - 1),
                 (w // 2, h // 2), (w // 4, h // 4), (int(w * 0.37), int(h * 0.6))]
        for (ow, oh) in sizes:
            out = Image.fromarray(arr, "RGB").resize((ow, oh), Image.BICUBIC)
            file = f"pillow_{name}_{ow}x{oh}.png"
            out.save(os.path.join(OUT, file))
            pillow_cases.append({"input": f"input_{name}.png", "expected": file, "width": ow, "height": oh})

    imresize = load_basicsr_imresize()
    matlab_cases = []
    for name, arr in inputs.items():
        for scale in [0.25, 0.5, 1 / 3, 0.7, 1.5, 2.0, 4.0]:
            src = arr.astype(np.float32) / 255.0
            out = imresize(src, scale, antialiasing=True)  # HWC float, not rounded
            matlab_cases.append({"input": f"input_{name}.png", "scale": scale,
                                 "width": out.shape[1], "height": out.shape[0],
                                 "chw": np.round(out.transpose(2, 0, 1).reshape(-1).astype(np.float64), 6).tolist()})
    manifest = {"generator": "scripts/imaging/make_bicubic_fixtures.py",
                "pillow": Image.__version__ if hasattr(Image, "__version__") else __import__("PIL").__version__,
                "pillowCases": pillow_cases, "matlabOracle": "basicsr 1.4.2 matlab_functions.imresize",
                "matlabCases": matlab_cases}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    print(f"wrote {len(pillow_cases)} Pillow and {len(matlab_cases)} MATLAB-style cases to {OUT}")


if __name__ == "__main__":
    main()
