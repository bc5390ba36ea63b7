"""Time importing a 5,000-row residents' sheet (issue 16, item 1: under 10 s).

    .venv/bin/python bench/import_rows.py [--rows 5000] [--existing 2000] [--runs 3]

Builds a fresh SQLite database in a temporary folder (or uses BENCH_DATABASE_URL, whose
tables it drops and recreates), a community of 4 grids with `--existing` residents already on
the caseload, and an XLSX sheet of `--rows` rows of which 2 % repeat an existing resident.
Then, through Flask's test client as the community's secretary: upload (read and keep the
file), preview (map, check, find duplicates), import (one transaction). Prints each step's
server time and the whole; nothing is asserted.
"""

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app
from app.extensions import db
from app.models import CareReason, Community, Grid, Resident, Township, User

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "秀英桂英建国志强丽娟福贵明华玉兰海燕淑珍小红伟文春梅德胜"


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def build(app, existing: int) -> list[tuple]:
    """The community, its secretary and its caseload; returns the caseload's rows."""
    from flask_migrate import upgrade

    from app.accounts.passwords import hash_password
    from app.seed import load_reference_data

    with app.app_context():
        if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        upgrade()
        load_reference_data()
        t = Township(name="Bench Township")
        c = Community(township=t, name="Bench Community")
        grids = [Grid(community=c, name=f"第{i}网格") for i in range(1, 5)]
        db.session.add_all([t, c, *grids])
        db.session.add(
            User(
                username="bench-import",
                display_name="Bench",
                password_hash=hash_password("bench-password-123"),
                role="secretary",
                community_id=None,
                township_id=None,
            )
        )
        db.session.flush()
        sec = db.session.scalar(sa.select(User).where(User.username == "bench-import"))
        sec.community_id, sec.township_id = c.id, t.id
        reason = db.session.get(CareReason, "elderly_alone")
        rng = random.Random(16)
        rows = []
        for i in range(existing):
            g = grids[i % 4]
            r = Resident(
                grid_id=g.id,
                name=name(rng),
                building=str(i // 200 + 1),
                unit=str(i % 4 + 1),
                room=str(100 + i % 50),
                phone=f"139{i:08d}",
            )
            r.care_reasons = [reason]
            db.session.add(r)
            rows.append((r.name, g.name, r.building, r.unit, r.room, r.phone))
        db.session.commit()
        db.session.remove()
    return rows


def sheet(n: int, existing: list[tuple]) -> bytes:
    rng = random.Random(5)
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(
        0,
        0,
        ["姓名", "网格", "楼栋", "单元", "房号", "联系电话", "户籍人口", "关爱类型", "身份证号"],
    )
    for i in range(1, n + 1):
        if existing and i % 50 == 0:
            nm, grid, b, u, room, phone = rng.choice(existing)
        else:
            nm, grid = name(rng), f"第{i % 4 + 1}网格"
            b, u, room, phone = str(100 + i // 100), str(i % 3 + 1), str(i), f"138{i:08d}"
        reasons = rng.choice(("独居老人", "空巢老人、残疾人", "低保家庭", "居家安全隐患"))
        ws.write_row(i, 0, [nm, grid, b, u, room, phone, rng.randint(1, 5), reasons, ""])
    wb.close()
    return out.getvalue()


def login(app):
    from app.accounts.services import start_session

    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "bench-import"))
        token = start_session(user)
        db.session.commit()
        db.session.remove()
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    return client


def run_once(args, tmp: Path) -> dict:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'import.db'}"
    if url.startswith("sqlite"):
        (tmp / "import.db").unlink(missing_ok=True)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-only",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "IMPORT_STORE": str(tmp / "imports"),
            "PHOTO_STORE": str(tmp / "photos"),
        }
    )
    existing = build(app, args.existing)
    data = sheet(args.rows, existing)
    client = login(app)
    times = {}
    t0 = time.perf_counter()
    resp = client.post(
        "/residents/import",
        data={"file": (io.BytesIO(data), "bench.xlsx")},
        content_type="multipart/form-data",
    )
    times["upload"] = time.perf_counter() - t0
    assert resp.status_code == 303, resp.text[:500]
    preview_url = resp.headers["Location"]
    t0 = time.perf_counter()
    page = client.get(preview_url)
    times["preview"] = time.perf_counter() - t0
    assert page.status_code == 200
    t0 = time.perf_counter()
    done = client.post(preview_url, data={"step": "import"})
    times["import"] = time.perf_counter() - t0
    assert done.status_code == 303, done.text[:500]
    times["total"] = sum(times.values())
    with app.app_context():
        times["residents"] = db.session.scalar(sa.select(sa.func.count(Resident.id)))
        db.engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--existing", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            results.append(run_once(args, Path(tmp)))
    print(f"{args.rows}-row sheet, {args.existing} residents already on the caseload")
    for step in ("upload", "preview", "import", "total"):
        values = [r[step] for r in results]
        print(f"  {step:8s} median {statistics.median(values):6.2f} s   max {max(values):6.2f} s")
    print(f"  residents after import: {results[-1]['residents']} (target: total under 10 s)")


if __name__ == "__main__":
    main()
