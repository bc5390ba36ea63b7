"""The photo pipeline: what comes out of a good picture, and why a bad one is refused."""

import io
import warnings
from datetime import datetime

import pytest
from PIL import Image, ImageCms

from app.photos.pipeline import FULL_SIDE, MAX_BYTES, THUMB_SIDE, PhotoRejected, process_photo
from tests.photos.images import (
    EPS,
    PDF,
    encoded,
    huge_png,
    jpeg_segments,
    jpeg_with_metadata,
    noisy_jpeg,
)

APP0, APP1, APP2, COM = 0xE0, 0xE1, 0xE2, 0xFE


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data), formats=["JPEG"])
    im.load()
    return im


def test_metadata_is_stripped_and_orientation_applied():
    source = jpeg_with_metadata(orientation=6, size=(400, 200))
    assert {APP1, APP2, COM} <= set(jpeg_segments(source))  # the input really carries them

    out = process_photo(source)

    for data in (out.full_jpeg, out.thumb_jpeg):
        markers = jpeg_segments(data)
        assert not {APP1, APP2, COM} & set(markers)
        assert all(not 0xE0 <= m <= 0xEF or m == APP0 for m in markers)
        im = _open(data)
        assert not im.getexif()
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(im.info)
    assert b"Room 301" not in out.full_jpeg
    assert b"PhoneMaker" not in out.full_jpeg
    # Orientation 6: the camera was held upright, so the stored picture is portrait, and
    # the left (red) half of the sensor image is now at the top.
    full = _open(out.full_jpeg)
    assert full.size == (200, 400) == (out.width, out.height)
    top, bottom = full.getpixel((100, 20)), full.getpixel((100, 380))
    assert top[0] > 200
    assert top[2] < 60
    assert bottom[2] > 200
    assert bottom[0] < 60
    # The capture time is kept (as UTC); the place is not.
    assert out.captured_at == datetime(2024, 5, 5, 23, 8, 9)


@pytest.mark.parametrize(
    ("fmt", "mode", "params"),
    [
        ("JPEG", "RGB", {}),
        ("JPEG", "CMYK", {}),
        ("PNG", "RGB", {}),
        ("PNG", "RGBA", {}),
        ("PNG", "P", {}),
        ("PNG", "L", {}),
        ("WEBP", "RGB", {"quality": 80}),
        ("WEBP", "RGBA", {"lossless": True}),
    ],
)
def test_formats_we_take_are_resized_to_limits(fmt, mode, params):
    out = process_photo(encoded(fmt, size=(4000, 3000), mode=mode, **params))
    full, thumb = _open(out.full_jpeg), _open(out.thumb_jpeg)
    assert full.mode == thumb.mode == "RGB"
    assert full.size == (FULL_SIDE, 1200) == (out.width, out.height)
    assert max(thumb.size) == THUMB_SIDE
    assert out.captured_at is None


def test_small_pictures_are_not_enlarged():
    out = process_photo(encoded("PNG", size=(300, 200)))
    assert (out.width, out.height) == (300, 200)
    assert _open(out.thumb_jpeg).size == (300, 200)


def test_transparent_parts_become_white():
    im = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    r, g, b = _open(process_photo(buf.getvalue()).full_jpeg).getpixel((25, 25))
    assert min(r, g, b) > 245


def test_iphone_heic_is_taken():
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("HEIF"):
        pytest.skip("this libheif build has no HEIF encoder to make a test file with")
    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2024:05:06 07:08:09"
    buf = io.BytesIO()
    Image.new("RGB", (1200, 800), (0, 128, 0)).save(buf, "HEIF", exif=exif.tobytes())

    out = process_photo(buf.getvalue())

    full = _open(out.full_jpeg)
    assert full.size == (800, 1200)  # turned upright once, not twice
    assert not full.getexif()
    assert not {APP1, APP2} & set(jpeg_segments(out.full_jpeg))
    assert out.captured_at == datetime(2024, 5, 5, 23, 8, 9)  # no offset: Shanghai time


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "empty", id="zero-bytes"),
        pytest.param(PDF, "not_image", id="pdf-renamed-jpg"),
        pytest.param(b"just some text\n" * 10, "not_image", id="text"),
        pytest.param(EPS, "not_image", id="eps"),
        pytest.param(encoded("GIF"), "not_image", id="gif-not-listed"),
        pytest.param(encoded("TIFF"), "not_image", id="tiff-not-listed"),
        pytest.param(noisy_jpeg()[:30_000], "damaged", id="truncated-jpeg"),
        pytest.param(noisy_jpeg()[:700], "damaged", id="jpeg-header-only"),
        pytest.param(encoded("PNG", size=(800, 600))[:-200], "damaged", id="truncated-png"),
        pytest.param(huge_png((20000, 20000)), "too_many_pixels", id="png-20000x20000"),
        pytest.param(huge_png((10000, 10000)), "too_many_pixels", id="png-100-megapixels"),
        pytest.param(huge_png((8000, 7000)), "too_many_pixels", id="png-56-megapixels"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\0" * MAX_BYTES, "too_large", id="over-15-mb"),
    ],
)
def test_bad_input_is_refused_with_a_reason(data, reason):
    with pytest.raises(PhotoRejected) as exc:
        process_photo(io.BytesIO(data))
    assert exc.value.reason == reason
    assert str(exc.value.message)


def test_inputs_that_are_refused_really_are_what_they_claim():
    """The refusals above are ours: Pillow on its own would open EPS and these PNGs."""
    assert Image.open(io.BytesIO(EPS)).format == "EPS"
    assert len(huge_png((20000, 20000))) < 100_000
    im = Image.open(io.BytesIO(noisy_jpeg()[:30_000]))
    im.verify()  # verify() passes a truncated JPEG: only a full load catches it


def test_pixel_limit_holds_when_pillow_only_warns():
    """In production Pillow's bomb warning is not an error; our own check still refuses."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(PhotoRejected) as exc:
            process_photo(huge_png((10000, 10000)))
    assert exc.value.reason == "too_many_pixels"


def test_message_names_the_formats_we_take(app):
    with app.test_request_context("/?lang=en"):
        with pytest.raises(PhotoRejected) as exc:
            process_photo(PDF)
        assert "JPEG, PNG, WebP or HEIC" in str(exc.value.message)


def _srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _swapped_icc() -> bytes:
    """An RGB profile whose red and green primaries are sRGB's the other way round."""
    icc = bytearray(_srgb_icc())
    tags = {bytes(icc[132 + 12 * i : 136 + 12 * i]): 136 + 12 * i for i in range(icc[131])}
    red, green = tags[b"rXYZ"], tags[b"gXYZ"]  # each tag's (offset, size) in the tag table
    icc[red : red + 8], icc[green : green + 8] = icc[green : green + 8], icc[red : red + 8]
    return bytes(icc)


def _red_jpeg(**params) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (220, 30, 30)).save(buf, "JPEG", quality=90, **params)
    return buf.getvalue()


def test_a_photo_with_srgbs_own_profile_is_not_colour_converted(monkeypatch):
    """Chromium's canvas (photos.js on Android) embeds sRGB's profile in every JPEG. The
    picture is already sRGB: converting it changed nothing and took most of the photo's
    time. It is stored exactly as the same picture without a profile."""
    converted = []
    real = ImageCms.profileToProfile

    def counting(im, *args, **kwargs):
        converted.append(im.size)
        return real(im, *args, **kwargs)

    monkeypatch.setattr(ImageCms, "profileToProfile", counting)
    plain = process_photo(_red_jpeg())
    tagged = process_photo(_red_jpeg(icc_profile=_srgb_icc()))

    assert (64, 48) not in converted
    assert tagged.full_jpeg == plain.full_jpeg
    assert tagged.thumb_jpeg == plain.thumb_jpeg
    assert "icc_profile" not in _open(tagged.full_jpeg).info


def test_a_photo_in_another_colour_space_is_converted_to_srgb():
    """A profile that draws red as green (here: sRGB with red and green swapped) is applied
    before it is dropped, as a Display P3 photo's is."""
    out = process_photo(_red_jpeg(icc_profile=_swapped_icc()))

    r, g, b = _open(out.full_jpeg).getpixel((32, 24))
    assert g > r + 60
    assert "icc_profile" not in _open(out.full_jpeg).info


def test_a_photo_the_phone_shrank_is_encoded_again_with_nothing_of_its_own():
    """DESIGN.md: photos are shrunk on the phone, and the server still encodes them again.
    Nothing of the file sent is kept: not its metadata, not a second picture glued behind it
    (an MPO's), not its coded data."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 5.5)})
    small = Image.effect_noise((100, 75), 60).convert("RGB").resize((1600, 1200))
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=80, exif=exif, icc_profile=_srgb_icc(), comment=b"Room 301")
    sent = buf.getvalue() + b"\xff\xd8" + b"second picture, GPS 31.14N" + b"\xff\xd9"

    out = process_photo(sent)

    for secret in (b"PhoneMaker", b"Room 301", b"second picture", b"ICC_PROFILE", b"Exif"):
        assert secret not in out.full_jpeg
    assert sent[-4000:-100] not in out.full_jpeg  # coded anew, not copied
    assert (out.width, out.height) == (1600, 1200)
