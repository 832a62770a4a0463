"""torch.save-produced .pth fixtures (zip and legacy formats) plus malicious pickles.

Called from make_fixtures.py. Expected values come from torch itself (the tensors as saved), and
describe the StateDict our loader should return: the wrapper unwrapped (params_ema preferred),
integer entries such as num_batches_tracked dropped.
"""
import collections
import os
import pickle

MARKER = "/tmp/enhance_checkpoints_pwned_marker"


class EvilSystem:
    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


class EvilEval:
    def __reduce__(self):
        return (eval, (f"open('{MARKER}', 'w').write('pwned')",))


def make_torch(out, describe, write_json):
    import torch
    from torch import nn

    torch.manual_seed(7)
    dt_name = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}

    def expected_for(sd):
        arrays = [(k, v.detach().float().numpy(), dt_name[v.dtype])
                  for k, v in sd.items() if torch.is_tensor(v) and v.is_floating_point()]
        return describe(arrays)

    def save_both(name, obj, sd_expected):
        for fmt, zipped in [("zip", True), ("legacy", False)]:
            path = os.path.join(out, f"pth_{fmt}_{name}.pth")
            torch.save(obj, path, _use_new_zipfile_serialization=zipped)
            # torch itself must read back what it wrote (sanity check of the fixture).
            torch.load(path, weights_only=True)
        write_json(f"pth_{name}.expected.json", expected_for(sd_expected))

    # 1. A plain OrderedDict state dict: conv + BatchNorm (int64 num_batches_tracked) + PReLU.
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.PReLU(4), nn.Conv2d(4, 2, 1))
    with torch.no_grad():
        model[1].running_mean.uniform_(-1, 1)
        model[1].running_var.uniform_(0.5, 2)
        model[1].num_batches_tracked.fill_(12345)
    sd = model.state_dict()
    assert isinstance(sd, collections.OrderedDict)
    save_both("plain", sd, sd)

    # 2. BasicSR-style wrapper with fp16 tensors: params_ema must win over params.
    ema = collections.OrderedDict((k, (v.half() if v.is_floating_point() else v)) for k, v in sd.items())
    other = collections.OrderedDict((k, (v.half() * 0 + 1 if v.is_floating_point() else v)) for k, v in sd.items())
    save_both("ema_f16", {"params": other, "params_ema": ema}, ema)

    # 3. Views: storage offsets, two tensors sharing one storage, a transposed (strided) view,
    #    an nn.Parameter (_rebuild_parameter), bf16, a 0-d tensor; wrapped in "state_dict".
    base = torch.arange(60, dtype=torch.float32) / 7.0 - 3.0
    views = collections.OrderedDict()
    views["shared.base"] = base
    views["shared.window"] = base[10:30].view(4, 5)           # storage offset 10
    views["shared.transposed"] = base[5:17].view(3, 4).t()   # strides (1, 4), offset 5
    views["param.weight"] = nn.Parameter(torch.randn(2, 3, 1, 1))
    views["bf16.bias"] = torch.randn(5).to(torch.bfloat16)
    views["scalar"] = torch.tensor(2.5)
    views["step"] = torch.tensor(3)                           # int64: dropped by our loader
    save_both("views", {"state_dict": views, "epoch": 7, "note": "hi"}, views)

    # 4. Malicious pickles: loading must refuse and never run the payload.
    torch.save({"w": EvilSystem()}, os.path.join(out, "evil_zip_system.pth"))
    torch.save({"w": EvilSystem()}, os.path.join(out, "evil_legacy_system.pth"), _use_new_zipfile_serialization=False)
    with open(os.path.join(out, "evil_eval_proto4.pkl"), "wb") as fh:
        pickle.dump({"w": EvilEval()}, fh, protocol=4)
    with open(os.path.join(out, "evil_system_proto2.pkl"), "wb") as fh:
        pickle.dump(EvilSystem(), fh, protocol=2)
    # 5. Container variants written by Python's zipfile (an independent ZIP writer): the same
    #    entries re-packed with forced zip64 records, and a deflated copy (must be refused).
    import zipfile
    src = os.path.join(out, "pth_zip_plain.pth")
    with zipfile.ZipFile(src) as zin:
        items = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    limits = (zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT)
    for name, method, zip64 in [("pth_zip64_plain.pth", zipfile.ZIP_STORED, True),
                                ("bad_deflated.pth", zipfile.ZIP_DEFLATED, False)]:
        if zip64:  # make zipfile emit zip64 extra fields and end records for this small archive
            zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 0, 0
        try:
            with zipfile.ZipFile(os.path.join(out, name), "w") as zout:
                for fname, data in items:
                    info = zipfile.ZipInfo(fname, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = method
                    zout.writestr(info, data)
        finally:
            zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = limits
        if method == zipfile.ZIP_STORED:
            torch.load(os.path.join(out, name), weights_only=True)

    # 6. Expected values for the shared SRGAN generator (legacy pickle), read by torch itself.
    srgan = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(out))), "..", "shared",
                         "weights", "srgan-leftthomas", "netG_epoch_4_100.pth")
    if os.path.exists(srgan):
        sd = torch.load(srgan, map_location="cpu", weights_only=True)
        write_json("srgan_shared.expected.json", expected_for(sd))
    else:
        print("shared SRGAN weights absent; srgan_shared.expected.json not refreshed")
    print("torch fixtures written with torch", torch.__version__)
