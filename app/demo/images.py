"""Demo photos: simple drawn pictures of the scenes, taken "when" the demo says they were.

The loader stores them through photos.services.add_photos, like an upload from a phone.
"""

import io
import random
from datetime import datetime
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from ..timeutil import to_local

SIZE = (800, 600)
EXIF_IFD, DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x8769, 0x9003, 0x9011
CAPTION_FONT = "wqy-microhei.ttc"  # Debian's fonts-wqy-microhei; plain Latin without it

SCENE_COLOURS = {
    "fire": (200, 40, 40),
    "gas": (230, 180, 30),
    "electrical": (60, 60, 60),
    "building": (140, 110, 90),
    "elderly": (90, 140, 200),
    "flood": (40, 110, 190),
    "construction": (240, 130, 20),
}


@cache
def _font(size: int):
    try:
        return ImageFont.truetype(CAPTION_FONT, size), True
    except OSError:
        return ImageFont.load_default(size), False


def draw_scene(
    rng: random.Random, scene: str, caption: str, taken: datetime, fixed: bool = False
) -> bytes:
    """A JPEG of a simple drawn scene with a caption band, as a phone took it at `taken` (UTC)."""
    w, h = SIZE
    wall = tuple(rng.randint(185, 225) for _ in range(3))
    im = Image.new("RGB", SIZE, wall)
    d = ImageDraw.Draw(im)
    d.rectangle([0, int(h * 0.68), w, h], fill=(120 + rng.randint(0, 30), 115, 105))  # floor
    colour = SCENE_COLOURS.get(scene, (100, 100, 100))
    x = rng.randint(120, 420)
    if scene == "fire":  # an e-bike in the corridor
        for cx in (x, x + 220):
            d.ellipse([cx - 60, 330, cx + 60, 450], outline=(30, 30, 30), width=12)
        d.polygon([(x, 390), (x + 110, 300), (x + 220, 390)], outline=colour, width=14)
        d.rectangle([x + 80, 270, x + 150, 300], fill=colour)
    elif scene == "gas":  # a cylinder and its hose
        d.rounded_rectangle([x, 230, x + 120, 450], radius=30, fill=colour)
        d.line([(x + 60, 230), (x + 140, 170), (x + 300, 200)], fill=(200, 60, 30), width=8)
    elif scene == "electrical":  # a crowded power strip
        d.rectangle([x, 380, x + 300, 420], fill=(240, 240, 240), outline=(40, 40, 40))
        for n in range(6):
            d.line([(x + 25 + n * 50, 380), (x + rng.randint(-80, 380), 120)], fill=colour, width=5)
    elif scene in ("building", "flood"):  # a crack, or standing water
        if scene == "building":
            points = [(x, 80)]
            for _ in range(8):
                points.append((points[-1][0] + rng.randint(-30, 30), points[-1][1] + 45))
            d.line(points, fill=(60, 50, 40), width=7)
        else:
            d.rectangle([0, int(h * 0.6), w, h], fill=colour)
    elif scene == "construction":  # a barrier and cones
        for n in range(5):
            d.rectangle([n * 160, 300, n * 160 + 80, 360], fill=colour)
            d.rectangle([n * 160 + 80, 300, n * 160 + 160, 360], fill=(250, 250, 250))
        d.polygon([(x, 460), (x + 40, 340), (x + 80, 460)], fill=colour)
    else:  # a front door with its number plate
        d.rectangle([x, 90, x + 220, 410], fill=(120, 70, 40), outline=(60, 30, 20), width=6)
        d.ellipse([x + 180, 250, x + 200, 270], fill=(220, 190, 60))
        d.rectangle([x + 60, 120, x + 160, 160], fill=(30, 80, 160))
    if fixed:  # a green tick: the problem is gone
        d.line([(w - 230, 170), (w - 170, 240), (w - 60, 90)], fill=(30, 150, 60), width=22)
    font, cjk = _font(30)
    d.rectangle([0, h - 60, w, h], fill=(20, 20, 20))
    text = caption if cjk else caption.encode("ascii", "ignore").decode().strip()
    d.text((20, h - 48), text, font=font, fill=(255, 255, 255))
    local = to_local(taken)
    offset = local.strftime("%z")
    exif = Image.Exif()
    exif.get_ifd(EXIF_IFD).update(
        {
            DATETIME_ORIGINAL: local.strftime("%Y:%m:%d %H:%M:%S"),
            OFFSET_TIME_ORIGINAL: f"{offset[:3]}:{offset[3:]}",
        }
    )
    out = io.BytesIO()
    im.save(out, "JPEG", quality=80, exif=exif)
    return out.getvalue()


def delete_unreferenced_files(keys: list[str]) -> int:
    """Remove the image files no remaining photo points to; the count."""
    if not keys:
        return 0
    from ..photos.queries import referenced_keys
    from ..photos.storage import get_store

    store = get_store()
    used = referenced_keys(keys)
    unused = [key for key in keys if key not in used and store.exists(key)]
    for key in unused:
        store.delete(key)
    return len(unused)
