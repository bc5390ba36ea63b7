"""Time and peak memory of one photo through the server pipeline (issue 19, item 4).

    .venv/bin/python bench/photo_speed.py [--runs 9]

Makes phone-like pictures (a 12 MP JPEG of 4032x3024 turned by its EXIF orientation, as a
phone stores a portrait photo; the same at 1600 px; the 1600 px JPEG that photos.js sends
once it has shrunk a photo on the phone, upright and without EXIF; a 12 MP HEIC as an
iPhone sends it), and runs app.photos.pipeline.process_photo on each in a
fresh child process: once to warm up, then --runs times. Prints the median wall and CPU time
of a run and the growth of the process's peak RSS (VmHWM) over all runs (what the server needs on
top of an idle worker). Measured, never asserted; bench/README.md records the figures.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "12mp.jpg": "< 135 ms, < 64 MiB",
    "1600px.jpg": "< 30 ms",
    "shrunk.jpg": "< 30 ms",
    "12mp.heic": "(works)",
}


def _picture(width: int, height: int):
    """Smooth-ish noise: compresses about as badly as a real photo does (3-4 MB at 12 MP)."""
    from PIL import Image

    w, h = width // 8, height // 8
    return Image.frombytes("RGB", (w, h), os.urandom(w * h * 3)).resize(
        (width, height), Image.Resampling.BILINEAR
    )


def _exif():
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90, as for a photo taken upright
    exif.get_ifd(0x8769)[0x9003] = "2026:12:01 09:30:00"
    return exif


def make_files(folder: Path) -> list[Path]:
    from PIL import ImageCms

    from app.photos.pipeline import register_heif

    register_heif()
    big = _picture(4032, 3024)
    paths = []
    path = folder / "12mp.jpg"
    big.save(path, "JPEG", quality=92, exif=_exif())
    paths.append(path)
    path = folder / "1600px.jpg"
    _picture(1600, 1200).save(path, "JPEG", quality=85, exif=_exif())
    paths.append(path)
    # What photos.js sends: already 1600 px and upright, EXIF dropped by the canvas, sRGB's
    # profile added by it, which the pipeline need not apply (it draws as sRGB already).
    path = folder / "shrunk.jpg"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    _picture(1600, 1200).save(path, "JPEG", quality=80, icc_profile=icc)
    paths.append(path)
    path = folder / "12mp.heic"
    big.save(path, "HEIF", quality=80, exif=_exif())
    paths.append(path)
    return paths


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def reset_peak() -> int:
    """Reset this process's peak RSS to its current RSS (Linux: clear_refs 5); return it.

    Importing the app peaks above what the process then keeps, so the growth that
    ru_maxrss shows from after the imports would hide the photo's own peak."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def child(path: str, runs: int) -> None:
    from flask import Flask
    from flask_babel import Babel

    from app.photos.pipeline import process_photo, register_heif

    register_heif()
    data = Path(path).read_bytes()
    app = Flask(__name__)
    Babel(app, default_locale="en")
    with app.test_request_context():
        before = reset_peak()
        out = process_photo(data)  # warm-up: first imports and allocations
        walls, cpus = [], []
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            process_photo(data)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        after = _status_kb("VmHWM")
    name = Path(path).name
    print(
        f"{name:11} {len(data) / 1024:8.0f} {statistics.median(walls) * 1000:9.1f} "
        f"{statistics.median(cpus) * 1000:8.1f} {(after - before) / 1024:9.1f}  "
        f"{out.width}x{out.height}, {len(out.full_jpeg) // 1024} KB + "
        f"{len(out.thumb_jpeg) // 1024} KB thumb   {TARGETS.get(name, '')}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_files(Path(tmp))
        print(
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores"
        )
        print(
            f"{'picture':11} {'KB':>8} {'median ms':>9} {'CPU ms':>8} {'+peak MiB':>9}  "
            "output            target (wall)"
        )
        for path in paths:
            subprocess.run(
                [sys.executable, __file__, "--child", str(path), str(args.runs)],
                check=True,
                cwd=ROOT,
            )
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
