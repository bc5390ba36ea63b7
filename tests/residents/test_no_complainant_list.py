"""No list of people by their use of a request channel (issue 14, item 1)."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.models import CareReason, Resident, resident_care_reasons
from app.seed import load_reference_data


def test_open_request_is_not_a_care_reason(app):
    assert db.session.get(CareReason, "open_request") is None


def test_seed_loader_retires_a_stored_open_request_tag(world, make_resident):
    db.session.add(
        CareReason(code="open_request", name_zh="有待办诉求", name_en="Has an open request")
    )
    db.session.flush()
    r = make_resident(care=("elderly_alone", "open_request"))
    load_reference_data()
    db.session.commit()
    db.session.expire_all()
    assert [c.code for c in db.session.get(Resident, r.id).care_reasons] == ["elderly_alone"]
    assert db.session.get(CareReason, "open_request") is None


def test_listing_by_open_request_is_refused(client, world, login_as, make_resident, make_request):
    asker = make_resident(name="提诉求")
    make_request(resident=asker)
    make_resident(name="没诉求")
    login_as(world.secretary_a)
    page = client.get("/residents?care=open_request")
    assert page.status_code == 200
    # The filter narrows nothing: both residents are listed, and the choice is not offered.
    assert "提诉求" in page.text
    assert "没诉求" in page.text
    assert 'value="open_request"' not in page.text


def test_an_open_request_shows_live_on_the_resident_page_only(
    client, world, login_as, make_resident, make_request
):
    asker = make_resident(name="提诉求")
    req = make_request(resident=asker)
    login_as(world.worker_a)
    assert "未办结诉求" in client.get(f"/residents/{asker.id}").text
    assert "未办结诉求" not in client.get("/residents").text
    req.status = "closed"
    db.session.commit()
    assert "未办结诉求" not in client.get(f"/residents/{asker.id}").text


def test_migration_removes_the_tags(app, world, make_resident):
    """Downgrade below the revision, tag a resident as before, upgrade: the tags are gone."""
    rid = make_resident().id
    db.session.remove()
    downgrade(revision="212cbf3bec61")
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(CareReason.__table__).values(
                code="open_request", name_zh="有待办诉求", name_en="Has an open request"
            )
        )
        conn.execute(
            sa.insert(resident_care_reasons).values(resident_id=rid, reason_code="open_request")
        )
    upgrade()
    with db.engine.connect() as conn:
        codes = conn.execute(sa.select(resident_care_reasons.c.reason_code)).scalars().all()
        reasons = conn.execute(sa.select(CareReason.code)).scalars().all()
    assert codes == ["elderly_alone"]
    assert "open_request" not in reasons
