"""Statements kept between requests (app/statements.py): the SQL is reused, never the rows."""

from datetime import timedelta

from app.extensions import db
from app.timeutil import local_today


def _count(page: str, section: str) -> str:
    part = page[page.index(f'id="{section}"') :]
    return part[part.index('<span class="count">') :].split(">", 1)[1].split("<", 1)[0]


def test_a_kept_statement_reads_the_rows_of_each_request(
    client, world, login_as, make_resident, make_hazard
):
    login_as(world.worker_a)
    assert _count(client.get("/today").text, "today-hazards") == "0"
    make_hazard(resident=make_resident(name="新隐患"), due_on=local_today() - timedelta(days=1))
    db.session.commit()
    page = client.get("/today").text
    assert _count(page, "today-hazards") == "1"
    assert "新隐患" in page


def test_each_user_gets_statements_of_their_own_scope(
    client, world, login_as, make_resident, make_hazard
):
    make_hazard(resident=make_resident(name="甲的隐患"), due_on=local_today())
    make_hazard(
        resident=make_resident(grid=world.b1, name="乙的隐患"),
        due_on=local_today(),
        visit=None,
    )
    db.session.commit()
    login_as(world.worker_a)
    first = client.get("/today").text
    login_as(world.worker_b)
    second = client.get("/today").text
    assert "甲的隐患" in first
    assert "乙的隐患" not in first
    assert "乙的隐患" in second
    assert "甲的隐患" not in second


def test_kept_statements_are_bounded(app):
    from app import statements

    with app.app_context():
        for n in range(statements.MAX_KEPT + 10):
            statements.kept(("test", n), lambda n=n: n)
        store = app.extensions["gridbook_statements"]
        assert len(store.items) == statements.MAX_KEPT
        # The oldest went first; the newest are kept and reused.
        assert ("test", 0) not in store.items
        assert statements.kept(("test", statements.MAX_KEPT + 9), lambda: "rebuilt") == (
            statements.MAX_KEPT + 9
        )
