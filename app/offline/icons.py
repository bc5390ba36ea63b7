"""The app icon, drawn here: the favicon's design (a navy tile with a white 2x2 grid)."""

import io
from functools import cache

from PIL import Image, ImageDraw

NAVY = "#12366b"
SIZES = (192, 512)


@cache
def png(size: int) -> bytes:
    """The icon as a PNG of size x size pixels, the grid kept inside the maskable safe zone."""
    # Drawn at 4x and scaled down: Pillow's shapes have no anti-aliasing of their own.
    big = size * 4
    img = Image.new("RGBA", (big, big), NAVY)
    draw = ImageDraw.Draw(img)
    unit = big / 32  # the favicon's 32-unit grid (static/favicon.svg)
    lo, hi, mid = 9 * unit, 23 * unit, 16 * unit
    width = round(2 * unit)
    draw.rectangle([lo, lo, hi, hi], outline="white", width=width)
    draw.line([(mid, lo), (mid, hi)], fill="white", width=width)
    draw.line([(lo, mid), (hi, mid)], fill="white", width=width)
    out = io.BytesIO()
    img.resize((size, size), Image.Resampling.LANCZOS).save(out, "PNG", optimize=True)
    return out.getvalue()
