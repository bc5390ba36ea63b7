"""Write every tally of a set of views to JSON, to compare before and after a change.

    DATABASE_URL=... .venv/bin/python bench/tallies_snapshot.py OUT.json
    .venv/bin/python bench/tallies_snapshot.py --compare A.json B.json

For the township user and a secretary (the large demo's `bench-township`, `bench-s001`, or
the demo's `township1`, `secretary1`), over one month, twelve months with ragged ends,
five years, one community and one grid: every table's rows as the page gets them, and the
CSV and XLSX exports' cells without their cover (which carries the time of export). A
change to how the figures are computed must leave this file identical (taken the same day:
what is overdue depends on today).
"""

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def views(today: date, community: int, grid: int) -> list[tuple[str, str]]:
    last_month_end = today.replace(day=1) - timedelta(days=1)
    five = today.replace(year=today.year - 5) + timedelta(days=1)
    periods = [
        f"from={last_month_end.replace(day=1)}&to={last_month_end}",
        f"from={today - timedelta(days=364)}&to={today}",
        f"from={today - timedelta(days=361)}&to={today - timedelta(days=3)}",
        f"from={today - timedelta(days=40)}&to={today + timedelta(days=10)}",
        f"from={five}&to={today}",
    ]
    out = []
    for who in ("township", "secretary"):
        for p in periods:
            out.append((who, p))
        out.append((who, f"{periods[1]}&grid={grid}"))
        out.append((who, f"{periods[2]}&grid={grid}"))
    out.append(("township", f"{periods[1]}&community={community}"))
    out.append(("township", f"{periods[4]}&community={community}"))
    return out


def snapshot(out: str) -> None:
    from app import create_app
    from app.extensions import db
    from app.models import Grid, User
    from app.timeutil import local_today
    from tests.tallies.files import read_csv, read_xlsx

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_tallies import login

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        names = {}
        for who, options in (
            ("township", ("bench-township", "township1")),
            ("secretary", ("bench-s001", "secretary1")),
        ):
            names[who] = db.session.scalar(
                sa.select(User.username)
                .where(User.username.in_(options))
                .order_by(User.username)  # bench-* before the demo's
                .limit(1)
            )
        secretary = db.session.scalar(sa.select(User).where(User.username == names["secretary"]))
        community = secretary.community_id
        grid = db.session.scalar(
            sa.select(Grid.id).where(Grid.community_id == community).order_by(Grid.id).limit(1)
        )
        db.session.remove()
    clients = {who: login(app, name) for who, name in names.items()}
    today = local_today()
    result = {"users": names, "today": today.isoformat(), "views": {}}
    for who, query in views(today, community, grid):
        client = clients[who]
        page = client.get(f"/tallies?{query}")
        assert page.status_code == 200, (who, query, page.status_code)
        _cover, sections = read_csv(client.get(f"/tallies/export.csv?{query}").data)
        sheets = read_xlsx(client.get(f"/tallies/export.xlsx?{query}").data)
        result["views"][f"{who} {query}"] = {
            "csv": [[s.title, s.rows] for s in sections],
            "xlsx": {name: s.rows for name, s in list(sheets.items())[1:]},
            "page_bytes": len(page.data),
        }
        print(f"{who:10} {query}", flush=True)
    Path(out).write_text(json.dumps(result, ensure_ascii=False, indent=0, default=str))


def compare(a: str, b: str) -> None:
    left, right = (json.loads(Path(p).read_text()) for p in (a, b))
    bad = 0
    for view, got in left["views"].items():
        other = right["views"].get(view)
        for part in ("csv", "xlsx"):
            if other is None or got[part] != other[part]:
                bad += 1
                print(f"DIFFERS: {view} ({part})")
    print(f"{len(left['views'])} views compared, {bad} differ")
    sys.exit(1 if bad else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?")
    parser.add_argument("--compare", nargs=2)
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
    else:
        snapshot(args.out)


if __name__ == "__main__":
    main()
