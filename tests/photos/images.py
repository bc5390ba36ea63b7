"""Test pictures made on the fly: good ones, bad ones, and ones full of metadata."""

import io
import os
import zlib

from PIL import Image, ImageChops, ImageCms

GPS_IFD = 0x8825
EXIF_IFD = 0x8769


def two_tone(size=(400, 200)) -> Image.Image:
    """Left half red, right half blue: shows which way a picture was turned."""
    im = Image.new("RGB", size, (255, 0, 0))
    im.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return im


def jpeg_with_metadata(orientation: int = 6, size=(400, 200)) -> bytes:
    """A JPEG with EXIF orientation, GPS position, capture time, comment, XMP and ICC."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(EXIF_IFD)[0x9003] = "2024:05:06 07:08:09"
    exif.get_ifd(EXIF_IFD)[0x9011] = "+08:00"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (31.0, 14.0, 5.5), 3: "E", 4: (121.0, 28.0, 1.25)})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
        b'02/22-rdf-syntax-ns#"><rdf:Description secret="home"/></rdf:RDF></x:xmpmeta>'
    )
    buf = io.BytesIO()
    two_tone(size).save(
        buf, "JPEG", exif=exif, icc_profile=icc, comment=b"Room 301", xmp=xmp, quality=95
    )
    return buf.getvalue()


def encoded(fmt: str, size=(640, 480), mode="RGB", **params) -> bytes:
    """A plain picture in the given Pillow format."""
    im = two_tone(size).convert(mode) if mode != "RGB" else two_tone(size)
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def noisy_jpeg(size=(800, 600)) -> bytes:
    """A JPEG whose data cannot be guessed, so cutting it loses real picture data."""
    im = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def huge_png(size=(20000, 20000)) -> bytes:
    """Many pixels, few bytes: a one-bit PNG compresses to almost nothing."""
    buf = io.BytesIO()
    Image.new("1", size).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def png_header(width: int, height: int, color_type: int = 6) -> bytes:
    """A PNG that states its size and mode (6: RGBA, 2: RGB) but holds no pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, color_type, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


EPS = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"
    b"newpath 0 0 moveto 10 10 lineto stroke\nshowpage\n%%EOF\n"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def jpeg_segments(data: bytes) -> list[int]:
    """The marker bytes of a JPEG's header segments, up to the start of the scan."""
    assert data[:2] == b"\xff\xd8"
    pos, markers = 2, []
    while pos < len(data):
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: no more header segments
            break
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        pos += 2 + length
    return markers


def phone_photo(long_side: int = 4000, orientation: int = 6, quality: int = 92) -> bytes:
    """A 12-megapixel phone JPEG (about 4 MB) held upright: red on top, blue below.

    Stored as a phone stores it: landscape pixels (4000x3000) turned a quarter to the left,
    with EXIF orientation 6 telling viewers to turn them back. Smooth shading plus fine
    grain, so it compresses like a photo, not like a flat test card or like pure noise.
    """
    w, h = long_side * 3 // 4, long_side  # upright: portrait
    upright = Image.new("RGB", (w, h), (200, 70, 50))
    upright.paste((50, 90, 200), (0, h // 2, w, h))
    coarse = Image.effect_noise((w // 16, h // 16), 40).resize((w, h), Image.Resampling.BICUBIC)
    grain = ImageChops.add(coarse, Image.effect_noise((w, h), 12), scale=2.0)
    upright = ImageChops.add(upright, Image.merge("RGB", (grain,) * 3), offset=-128)
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif.get_ifd(EXIF_IFD)[0x9003] = "2026:05:06 07:08:09"
    buf = io.BytesIO()
    upright.transpose(Image.Transpose.ROTATE_90).save(buf, "JPEG", quality=quality, exif=exif)
    return buf.getvalue()


def is_upright_red_over_blue(im: Image.Image) -> bool:
    """Portrait, red at the top and blue at the bottom: phone_photo() shown the right way."""
    rgb = im.convert("RGB")
    w, h = rgb.size
    top = rgb.getpixel((w // 2, h // 8))
    bottom = rgb.getpixel((w // 2, h * 7 // 8))
    return h > w and top[0] > top[2] + 60 and bottom[2] > bottom[0] + 60
