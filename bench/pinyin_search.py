"""Time the residents' search with and without the pinyin clause (issue 16, item 3).

    .venv/bin/python bench/pinyin_search.py [--residents 100000] [--runs 20]

Builds a fresh SQLite database in a temporary folder (100 grids of 10 communities), then runs
the search query of `app/residents/queries.search` as a community secretary (10 grids,
about 10,000 residents) and as a worker (1 grid) for a name ("张"), pinyin initials ("zfg"),
mixed ("张fg") and an address ("5-1-504"), the first page of 20 rows as the fragment loads it.
"Before" is the same query with the pinyin forms left out (`query_forms` returning nothing),
which is what the search did until now. Prints medians; nothing is asserted.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app
from app.extensions import db
from app.models import Community, Grid, Resident, Township, User
from app.residents import pinyin, queries

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "秀英桂英建国志强丽娟福贵明华玉兰海燕淑珍小红伟文春梅德胜"


def build(n: int) -> None:
    from flask_migrate import upgrade

    upgrade()
    t = Township(name="t")
    communities = [Community(township=t, name=f"c{i}") for i in range(10)]
    grids = [Grid(community=c, name=f"g{i}") for c in communities for i in range(10)]
    db.session.add_all([t, *communities, *grids])
    db.session.flush()
    sec = User(username="s", display_name="s", password_hash="x", role="secretary")
    sec.community_id, sec.township_id = communities[0].id, t.id
    worker = User(username="w", display_name="w", password_hash="x", role="worker")
    worker.community_id, worker.township_id = communities[0].id, t.id
    worker.grids = [grids[0]]
    db.session.add_all([sec, worker])
    rng = random.Random(3)
    rows = []
    for i in range(n):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))
        rows.append(
            {
                "grid_id": grids[i % len(grids)].id,
                "name": name,
                "pinyin": pinyin.name_key(name),
                "building": str(rng.randint(1, 40)),
                "unit": str(rng.randint(1, 4)),
                "room": f"{rng.randint(1, 18)}0{rng.randint(1, 4)}",
                "household_size": 1,
                "notes": "",
            }
        )
    db.session.execute(sa.insert(Resident), rows)
    db.session.commit()


def timed(user, q: str, runs: int) -> float:
    stmt = queries.search(user, q).limit(21)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        db.session.execute(stmt).all()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 's.db'}",
                "SECRET_KEY": "bench-only",
                "PHOTO_STORE": str(Path(tmp) / "photos"),
            }
        )
        with app.app_context():
            build(args.residents)
            users = {
                "secretary": db.session.scalar(sa.select(User).where(User.username == "s")),
                "worker": db.session.scalar(sa.select(User).where(User.username == "w")),
            }
            print(f"{args.residents} residents; first page of the search, median of {args.runs}")
            for who, user in users.items():
                for q in ("张", "zfg", "张fg", "5-1-504"):
                    with mock.patch.object(pinyin, "query_forms", return_value=[]):
                        before = timed(user, q, args.runs)
                    after = timed(user, q, args.runs)
                    print(f"  {who:9s} q={q:8s} before {before:6.1f} ms   after {after:6.1f} ms")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
