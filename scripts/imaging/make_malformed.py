#!/usr/bin/env python3
"""Write malformed / hostile image files to Tests/EnhanceImagingTests/Fixtures/malformed/.

Every file must make ImageFile.read throw (the Swift test iterates the whole folder). Bombs are
tiny files whose headers declare huge dimensions. Usage (repo root):
    python3 scripts/imaging/make_malformed.py
"""
import io
import os
import shutil
import struct
import zlib

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "EnhanceImagingTests", "Fixtures", "malformed")
SIG = b"\x89PNG\r\n\x1a\n"


def chunk(kind, data, crc=None):
    c = zlib.crc32(kind + data) & 0xFFFFFFFF if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", c)


def ihdr(w, h, depth=8, color=2, comp=0, filt=0, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, comp, filt, interlace))


def idat_for(w, h, bpp=3, rows=None):
    raw = b"".join(b"\x00" + b"\x80" * (w * bpp) for _ in range(h if rows is None else rows))
    return chunk(b"IDAT", zlib.compress(raw))


def png(*chunks):
    return SIG + b"".join(chunks) + chunk(b"IEND", b"")


def valid_png():
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 90)).save(buf, "PNG")
    return buf.getvalue()


def valid_jpeg(progressive=False):
    buf = io.BytesIO()
    im = Image.new("RGB", (16, 16))
    im.putdata([(x * 16, y * 16, 128) for y in range(16) for x in range(16)])
    im.save(buf, "JPEG", quality=90, progressive=progressive)
    return buf.getvalue()


def patch_sof(jpeg, width=None, height=None, precision=None, components=None):
    data = bytearray(jpeg)
    i = 2
    while i < len(data):
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            if precision is not None: data[i + 4] = precision
            if height is not None: data[i + 5:i + 7] = struct.pack(">H", height)
            if width is not None: data[i + 7:i + 9] = struct.pack(">H", width)
            if components is not None: data[i + 9] = components
            return bytes(data)
        i += 2 + length
    raise ValueError("no SOF")


def drop_marker(jpeg, target):
    data = bytearray(jpeg)
    i = 2
    while i < len(data):
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker == target:
            return bytes(data[:i] + data[i + 2 + length:])
        if marker == 0xDA:
            break
        i += 2 + length
    raise ValueError("marker not found")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    good_png, good_jpg = valid_png(), valid_jpeg()
    sos = good_jpg.index(b"\xff\xda")
    files = {
        # empty and non-image content
        "empty.png": b"",
        "empty.jpg": b"",
        "text_named.png": b"this is not an image, just some text\n",
        "html_named.jpg": b"<!doctype html><html><body>nope</body></html>\n",
        "gif_named.png": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
                         b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
        "bmp_named.jpg": b"BM" + struct.pack("<IHHI", 58, 0, 0, 54) + b"\x00" * 50,
        "zip_named.png": b"PK\x03\x04" + b"\x00" * 26,
        "random_bytes.png": bytes((i * 73 + 41) % 256 for i in range(300)),
        "one_byte.jpg": b"\xff",
        # wrong / damaged magic
        "png_bad_signature.png": b"\x89PNX\r\n\x1a\n" + good_png[8:],
        "png_signature_only.png": SIG,
        "jpeg_soi_only.jpg": b"\xff\xd8\xff",
        "jpeg_soi_eoi.jpg": b"\xff\xd8\xff\xd9",
        # truncation
        "png_truncated_ihdr.png": good_png[:20],
        "png_truncated_after_ihdr.png": good_png[:33],
        "png_truncated_idat.png": good_png[: len(good_png) - 20],
        "png_missing_iend.png": good_png[:-12],
        "jpeg_truncated_header.jpg": good_jpg[:sos // 2],
        "jpeg_truncated_scan.jpg": good_jpg[: sos + (len(good_jpg) - sos) // 2],
        "jpeg_progressive_truncated.jpg": valid_jpeg(True)[:300],
        # zero / bogus dimensions
        "png_zero_width.png": png(ihdr(0, 6), idat_for(1, 6)),
        "png_zero_height.png": png(ihdr(8, 0), idat_for(8, 1)),
        "png_width_2pow31.png": png(ihdr(0x80000000, 1), idat_for(1, 1)),
        "png_bad_color_type.png": png(ihdr(4, 4, color=5), idat_for(4, 4)),
        "png_bad_bit_depth.png": png(ihdr(4, 4, depth=3, color=0), idat_for(4, 4, 1)),
        "png_rgb_4bit.png": png(ihdr(4, 4, depth=4, color=2), idat_for(4, 4)),
        "png_bad_interlace.png": png(ihdr(4, 4, interlace=2), idat_for(4, 4)),
        "png_bad_compression.png": png(ihdr(4, 4, comp=1), idat_for(4, 4)),
        "png_ihdr_crc.png": png(chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0), crc=0x12345678),
                                idat_for(4, 4)),
        "png_idat_garbage.png": png(ihdr(4, 4), chunk(b"IDAT", b"\x13\x37not zlib at all")),
        "png_idat_short.png": png(ihdr(16, 16), idat_for(16, 16, rows=3)),
        "png_palette_without_plte.png": png(ihdr(4, 4, color=3), idat_for(4, 4, 1)),
        "png_no_ihdr.png": png(idat_for(4, 4)),
        "png_huge_chunk_length.png": SIG + ihdr(4, 4)[:0] + struct.pack(">I", 0x7FFFFFF0) + b"IHDR" + b"\x00" * 13,
        "jpeg_zero_height.jpg": patch_sof(good_jpg, height=0),
        "jpeg_zero_width.jpg": patch_sof(good_jpg, width=0),
        "jpeg_precision_7.jpg": patch_sof(good_jpg, precision=7),
        "jpeg_five_components.jpg": patch_sof(good_jpg, components=5),
        "jpeg_no_quant_tables.jpg": drop_marker(good_jpg, 0xDB),
        "jpeg_no_sof.jpg": drop_marker(good_jpg, 0xC0),
        # decompression bombs: valid headers declaring far more than 100 MP, tiny payloads
        "bomb_png_100000x100000.png": png(ihdr(100000, 100000), idat_for(1, 1)),
        "bomb_png_20000x6000.png": png(ihdr(20000, 6000, color=6), idat_for(1, 1, 4)),
        "bomb_jpeg_65000x65000.jpg": patch_sof(good_jpg, width=65000, height=65000),
        "bomb_jpeg_progressive_60000x2000.jpg": patch_sof(valid_jpeg(True), width=60000, height=2000),
        # a JPEG with a .png name is fine (sniffing); a PNG whose data is JPEG cut short is not
        "jpeg_named_png_truncated.png": good_jpg[: len(good_jpg) // 3],
    }
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(files)} files ({sum(map(len, files.values()))} bytes) to {OUT}")


if __name__ == "__main__":
    main()
