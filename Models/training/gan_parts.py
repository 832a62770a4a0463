"""GAN-stage building blocks: discriminator and the VGG-free perceptual substitutes.

No pretrained VGG is available offline, so the "perceptual" term is built from
three things that need no pretraining (see Models/README.md for the reasoning):
  * RandomFeatures: a fixed, seeded, random-weight 3-scale conv/ReLU stack. Random
    shallow conv features are known to carry texture statistics (He, Wang & Hopcroft
    2016, "Powerful random networks for texture synthesis"); we match their L1 and
    their per-patch Gram matrices (EnhanceNet-style texture loss), which rewards
    plausible texture without demanding pixel alignment.
  * fft_amplitude_loss: L1 between orthonormal 2-D FFT amplitude spectra; it is
    phase-free, so it penalises the missing high-frequency energy (blur) directly.
  * feature matching on the discriminator's own intermediate features (Salimans et al.
    2016; pix2pixHD): learned, data-adaptive features that track what D looks at.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm


class Discriminator(nn.Module):
    """VGG-style discriminator for `size`x`size` RGB patches (ESRGAN's VGG128 shape: five
    conv3 + strided conv4 stages, then two linear layers; widths nf,2nf,4nf,4nf,4nf; no BatchNorm
    for small CPU batches). `size` must be a multiple of 32. `spectral=True` wraps the layers in
    spectral norm: with this narrow 12-layer net the logits then hardly depend on the input
    (D loss stayed at ln 2 for 240 steps), so the default is plain weights.
    Returns (logit[N], [features after each stride-2 stage])."""

    def __init__(self, nf: int = 16, size: int = 96, spectral: bool = False):
        super().__init__()
        sn = spectral_norm if spectral else (lambda m: m)
        chans = [nf, nf * 2, nf * 4, nf * 4, nf * 4]
        layers, cin = [], 3
        for c in chans:
            layers.append(sn(nn.Conv2d(cin, c, 3, 1, 1)))
            layers.append(sn(nn.Conv2d(c, c, 4, 2, 1)))
            cin = c
        self.convs = nn.ModuleList(layers)
        self.fc1 = sn(nn.Linear(cin * (size // 32) ** 2, 100))
        self.fc2 = nn.Linear(100, 1)
        for m in self.modules():  # gain-preserving init: PyTorch's default shrinks the signal
            if isinstance(m, (nn.Conv2d, nn.Linear)):  # ~0.6x per layer, leaving bias-only logits
                w = m.weight_orig if hasattr(m, "weight_orig") else m.weight
                nn.init.kaiming_normal_(w, a=0.2)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        feats = []
        for i, conv in enumerate(self.convs):
            x = F.leaky_relu(conv(x), 0.2)
            if i % 2 == 1:
                feats.append(x)
        x = F.leaky_relu(self.fc1(x.flatten(1)), 0.2)
        return self.fc2(x).squeeze(1), feats


class RandomFeatures(nn.Module):
    """Fixed random conv features at 3 scales (no training, seeded)."""

    def __init__(self, seed: int = 7, width: int = 48):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        specs = [(3, width, 1), (width, width, 2), (width, width * 2, 2)]
        self.weights = []
        for cin, cout, stride in specs:
            w = torch.randn(cout, cin, 3, 3, generator=g) * (2.0 / (cin * 9)) ** 0.5
            w = w - w.mean(dim=(1, 2, 3), keepdim=True)  # zero-DC filters: respond to structure
            self.weights.append((w, stride))
        self.requires_grad_(False)

    def forward(self, x):
        x = (x - 0.5) / 0.25
        out = []
        for w, stride in self.weights:
            x = F.relu(F.conv2d(x, w, stride=stride, padding=1))
            out.append(x)
        return out


def gram(f: torch.Tensor, patch: int = 16) -> torch.Tensor:
    """Per-patch Gram matrices: (N*P, C, C) for non-overlapping patch x patch tiles."""
    n, c, h, w = f.shape
    p = min(patch, h, w)
    t = f.unfold(2, p, p).unfold(3, p, p)  # n c hp wp p p
    t = t.permute(0, 2, 3, 1, 4, 5).reshape(-1, c, p * p)
    return t @ t.transpose(1, 2) / (p * p)


def random_feature_loss(rf: RandomFeatures, sr, hr):
    fs, fh = rf(sr), rf(hr)
    l1 = sum(F.l1_loss(a, b) for a, b in zip(fs, fh)) / len(fs)
    tex = sum(F.l1_loss(gram(a), gram(b)) for a, b in zip(fs, fh)) / len(fs)
    return l1, tex


def fft_amplitude_loss(sr, hr):
    a = torch.fft.rfft2(sr, norm="ortho").abs()
    b = torch.fft.rfft2(hr, norm="ortho").abs()
    return F.l1_loss(a, b)


def ragan_losses(d_real: torch.Tensor, d_fake: torch.Tensor, for_generator: bool):
    """Relativistic average GAN (ESRGAN): D(x_r, x_f) = sigmoid(C(x_r) - E[C(x_f)])."""
    bce = F.binary_cross_entropy_with_logits
    real_rel = d_real - d_fake.mean()
    fake_rel = d_fake - d_real.mean()
    ones, zeros = torch.ones_like(real_rel), torch.zeros_like(real_rel)
    if for_generator:
        return 0.5 * (bce(real_rel, zeros) + bce(fake_rel, ones))
    return 0.5 * (bce(real_rel, ones) + bce(fake_rel, zeros))
