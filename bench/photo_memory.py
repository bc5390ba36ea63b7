"""Peak memory of one photo through the upload pipeline, in a fresh process.

    .venv/bin/python bench/photo_memory.py

Builds small files of huge pictures (a 7000x7000 RGBA PNG is 49 MP, under the megapixel
cap, and about 200 KB on disk), runs app.photos.pipeline.process_photo on each in its own
child process and prints that process's peak RSS before and after the call, and what the
pipeline answered. Measured, never asserted (issue 18, item 5); bench/README.md records
the figures.
"""

import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _mb(kb: int) -> float:
    return kb / 1024


def child(path: str) -> None:
    sys.path.insert(0, str(ROOT))
    from flask import Flask
    from flask_babel import Babel

    from app.photos.pipeline import PhotoRejected, process_photo

    data = Path(path).read_bytes()
    app = Flask(__name__)
    Babel(app, default_locale="en")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with app.test_request_context():
        try:
            out = process_photo(data)
            answer = f"stored {out.width}x{out.height}"
        except PhotoRejected as err:
            answer = f"refused: {err.message}"
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{Path(path).stem}, {len(data) // 1024} KB: peak RSS {_mb(before):.0f} MB before, "
        f"{_mb(after):.0f} MB after (+{_mb(after - before):.0f} MB); {answer}"
    )


CASES = (("RGBA", 7000, 7000, "PNG"), ("RGBA", 6000, 6000, "PNG"), ("RGB", 7000, 7000, "PNG"))
CASES += (("RGB", 8000, 6000, "JPEG"),)


def main() -> None:
    from PIL import Image, ImageDraw

    with tempfile.TemporaryDirectory() as tmp:
        for mode, width, height, fmt in CASES:
            im = Image.new(mode, (width, height), (30, 120, 200, 255)[: len(mode)])
            draw = ImageDraw.Draw(im)
            for i in range(0, min(width, height) // 2, 250):
                draw.rectangle((i, i, i + 120, height - i), fill=(200, 40, 40, 128)[: len(mode)])
            path = Path(tmp) / f"{width}x{height}-{mode}.{fmt.lower()}"
            im.save(path, fmt)
            del im, draw
            subprocess.run([sys.executable, __file__, "--child", str(path)], check=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
