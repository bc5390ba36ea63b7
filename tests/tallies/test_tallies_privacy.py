"""Aggregates only: no township page or export carries a resident's name, phone or free text."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Community, Grid, Hazard, Request, Resident, User, Visit
from app.timeutil import local_today
from tests.tallies.files import read_csv, xlsx_text


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    township = db.session.scalar(sa.select(User).where(User.username == "township1"))
    assert township is not None
    return township


def _secrets() -> set[str]:
    """Every demo resident's name and phone, and the free texts written about them."""
    secrets: set[str] = set()
    for name, phone in db.session.execute(sa.select(Resident.name, Resident.phone)):
        secrets.add(name)
        if phone:
            secrets.add(phone)
    # Free text long enough not to match a place or category name by chance.
    for column in (
        Visit.summary,
        Hazard.note,
        Hazard.rectified_note,
        Request.summary,
        Request.reply_text,
        Resident.notes,
    ):
        secrets.update(t for t in db.session.scalars(sa.select(column)) if t and len(t) >= 8)
    return secrets


def test_no_personal_data_in_any_township_tally(client, login_as, demo):
    secrets = _secrets()
    assert len(secrets) > 100  # the demo data really is loaded
    today = local_today()
    periods = [
        # The township is offered no week (whole months only): a week typed in instead.
        f"from={today - timedelta(days=today.weekday())}&to={today}",
        "period=month",
        "period=last_month",
        f"from={today - timedelta(days=365)}&to={today}",
    ]
    places = [""]
    places += [
        f"&community={c}"
        for c in db.session.scalars(
            sa.select(Community.id).where(Community.township_id == demo.township_id)
        )
    ]
    places += [
        f"&grid={g}"
        for g in db.session.scalars(
            sa.select(Grid.id).join(Community).where(Community.township_id == demo.township_id)
        )
    ]
    login_as(demo)
    files = 0
    for period in periods:
        for place in places:
            for lang in ("zh", "en"):
                headers = {"Accept-Language": lang}
                page = client.get(f"/tallies?{period}{place}", headers=headers)
                xlsx = client.get(f"/tallies/export.xlsx?{period}{place}", headers=headers)
                csv = client.get(f"/tallies/export.csv?{period}{place}", headers=headers)
                assert (page.status_code, xlsx.status_code, csv.status_code) == (200, 200, 200)
                texts = {
                    "page": page.get_data(as_text=True),
                    "xlsx": xlsx_text(xlsx.data),
                    "csv": csv.data.decode("utf-8-sig"),
                }
                for kind, text in texts.items():
                    leaked = sorted(s for s in secrets if s in text)
                    assert not leaked, f"{kind} {period}{place} carries {leaked[:5]}"
                files += 2
    assert files == len(periods) * len(places) * 2 * 2
    # The files searched are not empty: the demo's year is counted in them.
    year = client.get(
        f"/tallies/export.csv?from={today - timedelta(days=365)}&to={today}",
        headers={"Accept-Language": "en"},
    )
    _cover, sections = read_csv(year.data)
    # Figures are exact, or count each small count as 2 ("≈n"): either way, counted.
    shown = {
        s.title: [
            c for row in s.rows for c in row[1:] if c.lstrip("≈").isdigit() and c.lstrip("≈") != "0"
        ]
        for s in sections
    }
    assert shown["Visits by purpose"]
    assert shown["Hazards found by category and severity"]
