"""Turn an uploaded picture into a clean JPEG and a thumbnail, or refuse it with a reason.

The order matters: size cap before decoding, an explicit list of formats, our own pixel
and decoded-bytes limits from the header before the pixels are decoded, then a full load
(which is what catches a truncated file; Image.verify() lets one through). The output is a
new image built from pixel data only, so no EXIF, GPS, comment, XMP or ICC data can survive.

Memory: a small file can hold a huge picture (a 200 KB PNG of 49 MP RGBA decodes to 196 MB,
and each full-size copy costs as much again). So the decoded size is capped by mode, JPEG
decodes at a reduced scale, the picture is reduced to the output size before any colour
work, and at most DECODES pictures are decoded at once per process; an upload that cannot
get a turn within DECODE_WAIT seconds is told the server is busy.
"""

import io
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import IO

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageChops, ImageCms, ImageOps, UnidentifiedImageError

from ..timeutil import local_tz, utcnow

MAX_BYTES = 15 * 1024 * 1024
# An iPhone's 48 MP HEIC must pass; Pillow on its own only warns up to ~179 MP.
MAX_PIXELS = 50_000_000
# Pixel data by mode, in bytes a pixel (4 unless listed: RGBA, CMYK, 32-bit, and palette or
# 1-bit pictures, which become RGB(A) before they are reduced). A 48 MP RGB photo (144 MB)
# passes; a 49 MP RGBA picture (196 MB) does not. (Pillow pads RGB to 4 bytes in memory.)
MAX_DECODED_BYTES = 150 * 1024 * 1024
BYTES_PER_PIXEL = {"L": 1, "LA": 2, "I;16": 2, "I;16B": 2, "I;16L": 2, "RGB": 3, "YCbCr": 3}
# Modes Pillow reduces well as they are (alpha premultiplied); others are converted first.
REDUCE_AS_IS = ("RGB", "RGBA", "L", "LA", "CMYK")
DECODES = 2
DECODE_WAIT = 20.0
FULL_SIDE = 1600
THUMB_SIDE = 320
# Bicubic for the full picture: after a JPEG's draft the step left is small (2016 -> 1600 px
# for a 12 MP photo), where it looks as Lanczos does at two thirds of the time.
FULL_RESAMPLE = Image.Resampling.BICUBIC
FULL_QUALITY = 82
# The thumbnail box-reduces until the last Lanczos step is at most 1.5x: 3 ms less than
# Pillow's default 2.0 for a 1600 px photo (a tenth of the pipeline), and 53 dB from a full
# Lanczos on a detailed picture, below what a 320 px list image can show.
THUMB_GAP = 1.5
THUMB_QUALITY = 75
# Pillow's names; never EPS (it runs Ghostscript), never anything not listed here.
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")

EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
_OFFSET_RE = re.compile(r"^([+-])(\d{2}):(\d{2})$")


class PhotoRejected(ValueError):
    """A file that is not stored; `message` says why in the user's language."""

    def __init__(self, reason: str, message):
        super().__init__(reason)
        self.reason = reason
        self.message = message


def _rejections() -> dict:
    return {
        "empty": _l("The file is empty."),
        "too_large": _l("The file is larger than %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)),
        "not_image": _l("This is not a photo we can read. Send a JPEG, PNG, WebP or HEIC picture."),
        "damaged": _l(
            "The picture is damaged or incomplete (perhaps the upload was cut "
            "off). Take or choose it again."
        ),
        "too_many_pixels": _l(
            "The picture has too many pixels (more than %(mp)d megapixels).",
            mp=MAX_PIXELS // 1_000_000,
        ),
        "too_big_decoded": _l(
            "The picture is too big to process (more than %(mb)d MB once opened). "
            "Send it smaller or as a JPEG.",
            mb=MAX_DECODED_BYTES // (1024 * 1024),
        ),
        "busy": _l("The server is busy with other photos. Wait a moment and send again."),
    }


def reject(reason: str) -> PhotoRejected:
    """The exception for a refused file, with its message."""
    return PhotoRejected(reason, _rejections()[reason])


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo ready to store: the bytes of the full JPEG and of the thumbnail."""

    full_jpeg: bytes
    thumb_jpeg: bytes
    width: int
    height: int
    captured_at: datetime | None


@cache
def register_heif() -> None:
    """Let Pillow open iPhone HEIC files, with libheif's security limits on."""
    import pillow_heif

    pillow_heif.options.DISABLE_SECURITY_LIMITS = False
    # Depth maps, auxiliary images and embedded thumbnails are not needed: skip decoding them.
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


_decodes = threading.BoundedSemaphore(DECODES)
_decode_wait = DECODE_WAIT


def limit_decodes(count: int = DECODES, wait: float = DECODE_WAIT) -> None:
    """At most `count` pictures decoded at once in this process; others wait `wait` seconds."""
    global _decodes, _decode_wait
    _decodes = threading.BoundedSemaphore(max(1, count))
    _decode_wait = wait


def decoded_bytes(mode: str, width: int, height: int) -> int:
    """What the pixels take once decoded, by mode (4 bytes a pixel unless listed)."""
    return width * height * BYTES_PER_PIXEL.get(mode, 4)


def read_capped(source: bytes | IO[bytes]) -> bytes:
    """The upload's bytes, refusing an empty or oversized file without reading it all."""
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        stream = getattr(source, "stream", source)  # werkzeug FileStorage or a file
        data = stream.read(MAX_BYTES + 1)
    if not data:
        raise reject("empty")
    if len(data) > MAX_BYTES:
        raise reject("too_large")
    return data


def process_photo(source: bytes | IO[bytes]) -> ProcessedPhoto:
    """Check, decode, orient and re-encode one upload; PhotoRejected if it is not a photo."""
    data = read_capped(source)
    register_heif()
    try:
        im = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise reject("too_many_pixels") from err
    except UnidentifiedImageError as err:
        raise reject("not_image") from err
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise reject("damaged") from err
    with im:
        width, height = im.size
        if width < 1 or height < 1:
            raise reject("damaged")
        if width * height > MAX_PIXELS:
            raise reject("too_many_pixels")
        if im.format == "JPEG":
            # Decode at 1/2, 1/4 or 1/8 scale where the output is smaller anyway: less memory
            # and less time. draft() keeps a scale only while both sides stay at least the
            # size asked for, so ask for the output's own shape, not the square box (a 4:3
            # picture would never reduce).
            im.draft("RGB", _fit(im.size, FULL_SIDE))
        if decoded_bytes(im.mode, *im.size) > MAX_DECODED_BYTES:
            raise reject("too_big_decoded")
        gate = _decodes
        if not gate.acquire(timeout=_decode_wait):
            raise reject("busy")
        try:
            clean, captured_at = _decode(im)
        finally:
            gate.release()
    thumb = clean.resize(
        _fit(clean.size, THUMB_SIDE), Image.Resampling.LANCZOS, reducing_gap=THUMB_GAP
    )
    return ProcessedPhoto(
        full_jpeg=_jpeg(clean, FULL_QUALITY, optimize=False),
        thumb_jpeg=_jpeg(thumb, THUMB_QUALITY, optimize=True),
        width=clean.width,
        height=clean.height,
        captured_at=captured_at,
    )


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size of a picture of `size` scaled down to fit a square of `side`, never up."""
    width, height = size
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _decode(im: Image.Image) -> tuple[Image.Image, datetime | None]:
    """The picture's pixels, oriented, in sRGB, at most FULL_SIDE; and when it was taken."""
    try:
        im.load()
        exif = im.getexif()
        if im.mode in REDUCE_AS_IS:
            # Reduce first (in place, box-reducing before resampling): the later copies are
            # of the output size, not of the full picture. The box is square, so orienting
            # after it gives the same size.
            im.thumbnail((FULL_SIDE, FULL_SIDE), FULL_RESAMPLE)
        # In place: the picture is ours, and a copy of it would only be thrown away.
        ImageOps.exif_transpose(im, in_place=True)
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as err:
        raise reject("damaged") from err
    rgb = _to_srgb(im)
    rgb.thumbnail((FULL_SIDE, FULL_SIDE), FULL_RESAMPLE)
    # Only pixel data crosses into the image we save: no info dict, no metadata at all.
    # (paste copies pixels core to core; tobytes/frombytes cost ten times as much.)
    clean = Image.new("RGB", rgb.size, None)  # None: not filled, paste fills it
    clean.paste(rgb)
    return clean, _captured_at(exif)


def _jpeg(im: Image.Image, quality: int, optimize: bool) -> bytes:
    buf = io.BytesIO()
    # Baseline, not progressive: progressive is ~10% smaller but costs five times the
    # encoding. Optimised Huffman tables save ~6% for twice the encoding: worth it for the
    # thumbnails that lists show by the dozen, not for the full picture, where the time
    # would be a fifth of the pipeline's budget (issue 19).
    im.save(buf, "JPEG", quality=quality, optimize=optimize)
    return buf.getvalue()


@cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


# The corners and middle of the colour cube, greys and a few mixtures: a profile that leaves
# them all where they are draws a picture as sRGB does.
_PROBE_COLOURS = [(r, g, b) for r in (0, 128, 255) for g in (0, 128, 255) for b in (0, 128, 255)]
_PROBE_COLOURS += [(v, v, v) for v in (16, 64, 96, 160, 192, 224)]
_PROBE_COLOURS += [(200, 120, 80), (60, 140, 200), (90, 170, 60)]
# sRGB profiles take a few hundred bytes to 3 KB: a larger one is not tried (nor remembered).
SRGB_PROFILE_BYTES = 4096


def _is_srgb(icc: bytes) -> bool:
    """True for a colour profile that draws every probe colour within 2 levels of sRGB."""
    return len(icc) <= SRGB_PROFILE_BYTES and _draws_as_srgb(icc)


@lru_cache(maxsize=8)
def _draws_as_srgb(icc: bytes) -> bool:
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        probe = Image.new("RGB", (len(_PROBE_COLOURS), 1))
        probe.putdata(_PROBE_COLOURS)
        seen = ImageCms.profileToProfile(probe, src, _srgb_profile(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return False
    return all(high <= 2 for _low, high in ImageChops.difference(seen, probe).getextrema())


def _to_srgb(im: Image.Image) -> Image.Image:
    """RGB pixels as they should look, alpha flattened on white, colour profile applied."""
    icc = im.info.get("icc_profile")
    # Chromium's canvas puts sRGB's own profile in every JPEG it makes (photos.js on every
    # Android phone): converting sRGB to sRGB changes nothing but took most of the photo's time.
    if icc and im.mode in ("RGB", "RGBA", "CMYK") and not (im.mode != "CMYK" and _is_srgb(icc)):
        # iPhones shoot in Display P3: convert to sRGB before the profile is dropped, or
        # the colours go dull.
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if im.mode == "RGBA" else "RGB"
            im = ImageCms.profileToProfile(im, src, _srgb_profile(), outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: keep the pixels as they are
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        # 16-bit greyscale (some PNGs): keep the top 8 bits.
        im = im.convert("I").point(lambda v: v / 256).convert("L")
    return im if im.mode == "RGB" else im.convert("RGB")


def _captured_at(exif: Image.Exif) -> datetime | None:
    """When the picture was taken (EXIF DateTimeOriginal) as naive UTC; never where."""
    try:
        ifd = exif.get_ifd(EXIF_IFD)
        raw = ifd.get(DATETIME_ORIGINAL)
        offset = ifd.get(OFFSET_TIME_ORIGINAL)
    except (KeyError, ValueError, TypeError, OSError):
        return None
    if not isinstance(raw, str):
        return None
    offset = offset.strip("\x00 ") if isinstance(offset, str) else None
    return _moment(raw.strip("\x00 ")[:19], offset)


def client_captured_at(value: str | None) -> datetime | None:
    """The time a phone read from a photo's EXIF before shrinking it (static/js/photos.js:
    "YYYY:MM:DD HH:MM:SS", then the offset if the camera wrote one), checked as strictly as
    the file's own: anything else, or a time outside the sane range, counts as none."""
    if not value or len(value) > 25:
        return None
    offset = value[19:] or None
    if offset and not _OFFSET_RE.match(offset):
        return None
    return _moment(value[:19], offset)


def _moment(taken_text: str, offset: str | None) -> datetime | None:
    try:
        taken = datetime.strptime(taken_text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    match = _OFFSET_RE.match(offset) if offset else None
    if match:
        sign = 1 if match[1] == "+" else -1
        delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
        utc = taken - sign * delta
    else:
        # No offset recorded: the camera's clock is taken to be on the township's time.
        utc = taken.replace(tzinfo=local_tz()).astimezone(UTC).replace(tzinfo=None)
    # A camera with an unset clock says 1970 or 2080: better no time than a wrong one.
    if utc < datetime(2000, 1, 1) or utc > utcnow() + timedelta(days=1):
        return None
    return utc
