"""A photo the phone has already shrunk is stored as it came, less every metadata segment."""

import io
from datetime import datetime

import pytest
from PIL import Image, ImageChops, ImageCms

from app.photos.jpeg import without_metadata
from app.photos.pipeline import THUMB_SIDE, PhotoRejected, process_photo
from tests.photos.images import EXIF_IFD, GPS_IFD, jpeg_segments

APP0, APP1, APP2, APP14, COM = 0xE0, 0xE1, 0xE2, 0xEE, 0xFE
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description secret="home"/></x:xmpmeta>'


def _shaded(size=(1600, 1200)) -> Image.Image:
    """Smooth shading, so it compresses as a photo does (well under 0.3 bytes a pixel)."""
    small = Image.effect_noise((size[0] // 16, size[1] // 16), 60).convert("RGB")
    return small.resize(size, Image.Resampling.BICUBIC)


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(EXIF_IFD)[0x9003] = "2024:05:06 07:08:09"
    exif.get_ifd(EXIF_IFD)[0x9011] = "+08:00"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 14.0, 5.5), 3: "E", 4: (121.0, 28.0, 1.25)})
    return exif


def _srgb() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _jpeg(im: Image.Image | None = None, **params) -> bytes:
    buf = io.BytesIO()
    (im or _shaded()).save(buf, "JPEG", **{"quality": 80, **params})
    return buf.getvalue()


def _phone_jpeg(**params) -> bytes:
    """What photos.js sends, with every kind of metadata a camera app could add besides."""
    return _jpeg(exif=_exif(), icc_profile=_srgb(), comment=b"Room 301", xmp=XMP, **params)


def _pixels(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data), formats=["JPEG"])
    im.load()
    return im


def _kept_as_sent(source: bytes, out) -> bool:
    # The picture's last coded bytes come through unchanged only if it was not encoded again.
    return out.full_jpeg.endswith(source[-2000:])


def test_a_shrunk_photo_keeps_its_picture_and_loses_its_metadata():
    source = _phone_jpeg()
    assert {APP1, APP2, COM} <= set(jpeg_segments(source))

    out = process_photo(source)

    assert _kept_as_sent(source, out)
    assert ImageChops.difference(_pixels(out.full_jpeg), _pixels(source)).getbbox() is None
    assert set(jpeg_segments(out.full_jpeg)) == {APP0, 0xDB, 0xC0, 0xC4, 0xDA}
    for secret in (b"PhoneMaker", b"Room 301", b"home", b"Exif", b"ICC_PROFILE"):
        assert secret not in out.full_jpeg
        assert secret not in out.thumb_jpeg
    full = _pixels(out.full_jpeg)
    assert not full.getexif()
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(full.info)
    assert (out.width, out.height) == full.size == (1600, 1200)
    assert _pixels(out.thumb_jpeg).size == (THUMB_SIDE, 240)
    assert out.captured_at == datetime(2024, 5, 5, 23, 8, 9)  # kept; the place is not


def test_a_progressive_or_restart_marked_photo_is_kept_too():
    for params in ({"progressive": True}, {"restart_marker_blocks": 3}):
        source = _phone_jpeg(**params)
        out = process_photo(source)
        assert _kept_as_sent(source, out), params
        assert ImageChops.difference(_pixels(out.full_jpeg), _pixels(source)).getbbox() is None


def test_anything_after_the_picture_is_dropped():
    """An MPO's second picture, or a file glued on behind, carries its own EXIF."""
    tail = _jpeg(Image.new("RGB", (64, 48)), exif=_exif()) + b"secret diary"
    out = process_photo(_phone_jpeg() + tail)
    assert out.full_jpeg.endswith(b"\xff\xd9")
    assert b"PhoneMaker" not in out.full_jpeg
    assert b"secret diary" not in out.full_jpeg


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: _jpeg(quality=100, subsampling=0), id="heavier-than-photos.js-sends"),
        pytest.param(lambda: _jpeg(exif=_exif(orientation=6)), id="turned-by-exif"),
        pytest.param(lambda: _jpeg(_shaded((2000, 1500))), id="larger-than-1600"),
        pytest.param(lambda: _jpeg(_shaded().convert("CMYK")), id="cmyk-adobe"),
        pytest.param(lambda: _jpeg(_shaded().convert("L")), id="grey"),
    ],
)
def test_a_photo_that_cannot_be_kept_as_sent_is_encoded_again(make):
    source = make()
    out = process_photo(source)
    assert not _kept_as_sent(source, out)
    full = _pixels(out.full_jpeg)
    assert full.mode == "RGB"
    assert max(full.size) <= 1600
    assert b"PhoneMaker" not in out.full_jpeg


def test_an_upright_photo_turned_by_exif_is_still_turned():
    out = process_photo(_jpeg(_shaded((1200, 900)), exif=_exif(orientation=6)))
    assert (out.width, out.height) == (900, 1200)


def test_a_jpeg_coded_in_rgb_keeps_its_colours():
    """Components named R, G, B with no JFIF header decode as RGB: under the JFIF header the
    rewrite writes they would turn red into green, so such a file is encoded again."""
    red = _jpeg(Image.new("RGB", (64, 48), (200, 30, 30)), keep_rgb=True)
    segments = set(jpeg_segments(red))
    assert APP14 in segments
    # Without its Adobe marker (as some encoders write it) it still decodes as RGB.
    bare = red[:2] + red[red.index(b"\xff\xdb") :]
    assert _pixels(bare).getpixel((10, 10))[0] > 150
    out = process_photo(bare)
    r, g, b = _pixels(out.full_jpeg).getpixel((10, 10))
    assert r > 150
    assert g < 80


def test_a_file_much_heavier_than_its_picture_is_not_walked_but_encoded_again():
    """Megabytes of padding after the picture would cost the marker walk seconds of Python."""
    source = _phone_jpeg() + b"\xff" * 2_000_000 + b"\xff\xd9"
    out = process_photo(source)
    assert not _kept_as_sent(_phone_jpeg(), out)
    assert len(out.full_jpeg) < 600_000


def test_a_shrunk_photo_cut_off_in_the_upload_is_refused():
    with pytest.raises(PhotoRejected) as exc:
        process_photo(_phone_jpeg()[:-20_000])
    assert exc.value.reason == "damaged"


def test_only_plain_eight_bit_jpegs_are_rewritten():
    plain = _jpeg(Image.new("RGB", (64, 48), (200, 30, 30)))
    stripped = without_metadata(plain)
    assert stripped is not None
    assert _pixels(stripped).getpixel((5, 5)) == _pixels(plain).getpixel((5, 5))

    sof = plain.index(b"\xff\xc0")
    arithmetic = plain[:sof] + b"\xff\xc9" + plain[sof + 2 :]
    twelve_bit = plain[: sof + 4] + b"\x0c" + plain[sof + 5 :]
    adobe = _jpeg(Image.new("CMYK", (64, 48)))
    assert APP14 in jpeg_segments(adobe)
    for refused in (
        b"",
        b"GIF89a",
        plain[:-2],  # no end of picture
        plain[: plain.index(b"\xff\xda")] + b"\xff\xd9",  # no scan
        arithmetic,
        twelve_bit,
        adobe,
        plain[:2] + b"\x00" + plain[3:],  # not a marker where one must be
    ):
        assert without_metadata(refused) is None
