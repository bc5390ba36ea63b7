"""Tallies count referrals in a table of their own, never among hazards, and the township
sees no count of 1 or 2 (disclosure.py)."""

import uuid

import sqlalchemy as sa

from app.extensions import db
from app.models import Hazard, Referral
from app.timeutil import local_today

EN = {"Accept-Language": "en"}


def _referrals(world, visit_in, grid, n, service="health_station", status="referred"):
    for _ in range(n):
        v = visit_in(grid)
        db.session.add(
            Referral(
                uuid=str(uuid.uuid4()),
                visit_id=v.id,
                grid_id=v.grid_id,
                resident_id=v.resident_id,
                service_code=service,
                note="需要家庭医生",
                referred_on=local_today(),
                status=status,
                created_by_id=v.worker_id,
            )
        )
    db.session.commit()


def _table(html: str) -> str:
    return html.split('id="tally-referrals"')[1].split("</section>")[0]


def _row(table_html: str, name: str) -> list[str]:
    import re

    row = table_html.split(name)[1].split("</tr>")[0]
    return re.findall(r"<td[^>]*>([^<]*)</td>", row)


def test_secretary_sees_exact_referral_counts_apart_from_hazards(client, world, login_as, visit_in):
    _referrals(world, visit_in, world.a1, 2)
    _referrals(world, visit_in, world.a1, 1, service="police", status="done")
    login_as(world.secretary_a)
    page = client.get("/tallies", headers=EN)
    assert page.status_code == 200
    table = _table(page.text)
    assert _row(table, "Community health station") == ["2", "0", "0", "2"]
    assert _row(table, "Police station") == ["0", "0", "1", "1"]
    assert db.session.scalar(sa.select(sa.func.count(Hazard.id))) == 0


def test_township_sees_small_referral_counts_hidden(client, world, login_as, visit_in):
    _referrals(world, visit_in, world.a1, 1)
    _referrals(world, visit_in, world.b1, 3)
    login_as(world.township_user)
    table = _table(client.get("/tallies", headers=EN).text)
    row = _row(table, "Community health station")
    assert row[0] == "\u22485"  # 3 exact and a small atom counted as 2
    assert "1" not in row
    assert "4" not in row
