"""Grids and communities listed in the order people count them, wherever they are listed."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Community, Grid
from app.places import natural_key

# Created out of order, so that neither the id nor the text order gives the right one.
NAMES = ("第五网格", "第十一网格", "第四网格", "第十网格", "第二网格", "第二十网格", "第一网格")
IN_ORDER = ["第一网格", "第二网格", "第四网格", "第五网格", "第十网格", "第十一网格", "第二十网格"]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["第五网格", "第六网格", "第四网格"], ["第四网格", "第五网格", "第六网格"]),
        (["第十网格", "第九网格", "第十一网格"], ["第九网格", "第十网格", "第十一网格"]),
        (["第二十一网格", "第二十网格", "第三网格"], ["第三网格", "第二十网格", "第二十一网格"]),
        (["第一百零五网格", "第九十九网格"], ["第九十九网格", "第一百零五网格"]),
        (["第10网格", "第2网格", "第1网格"], ["第1网格", "第2网格", "第10网格"]),
        (["A10", "a2", "A1"], ["A1", "a2", "A10"]),
        (["第二网格", "第2网格"], ["第2网格", "第二网格"]),
        (["东湖社区", "西湖社区", "东湖社区二组"], ["东湖社区", "东湖社区二组", "西湖社区"]),
    ],
)
def test_names_sort_by_their_numbers(names, expected):
    assert sorted(names, key=natural_key) == expected


@pytest.fixture
def numbered(world):
    """Community A's grids renamed and added to, with Chinese ordinals as names."""
    world.a1.name, world.a2.name = NAMES[:2]
    community = db.session.get(Community, world.a1.community_id)
    for name in NAMES[2:]:
        db.session.add(Grid(community=community, name=name))
    # Community B sorts after A as text and must stay after it.
    db.session.get(Community, world.b1.community_id).name = "第五社区"
    db.session.get(Community, world.a1.community_id).name = "第四社区"
    db.session.commit()
    return world


def _in_page(html: str, names) -> list[str]:
    found = [(html.find(f"{n}<"), n) for n in names]
    assert all(at >= 0 for at, _n in found), found
    return [n for _at, n in sorted(found)]


def test_tally_filters_and_rows_list_grids_in_natural_order(client, login_as, numbered):
    login_as(numbered.secretary_a)
    html = client.get("/tallies", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    at = html.index('id="grid"')
    select = html[at : html.index("</select>", at)]
    assert _in_page(select, NAMES) == IN_ORDER
    visits = html[html.index('id="table-requests"') :]
    assert _in_page(visits[: visits.index("</table>")], NAMES) == IN_ORDER


def test_township_tallies_list_communities_in_natural_order(client, login_as, numbered):
    login_as(numbered.township_user)
    html = client.get("/tallies").get_data(as_text=True)
    at = html.index('id="community"')
    select = html[at : html.index("</select>", at)]
    assert _in_page(select, ["第五社区", "第四社区"]) == ["第四社区", "第五社区"]
    groups = re.findall(r'<optgroup label="([^"]+)"', html)
    assert groups == ["第四社区", "第五社区"]


def test_worker_filters_list_grids_in_natural_order(client, login_as, numbered):
    login_as(numbered.secretary_a)
    html = client.get("/hazards").get_data(as_text=True)
    assert _in_page(html, NAMES) == IN_ORDER


def test_admin_lists_grids_in_natural_order(client, login_as, numbered):
    login_as(numbered.admin)
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert _in_page(html, NAMES) == IN_ORDER
    communities = html[html.index('name="community_id"') :]
    assert _in_page(communities, ["第五社区", "第四社区"]) == ["第四社区", "第五社区"]


def test_township_request_counts_list_grids_in_natural_order(client, login_as, numbered):
    login_as(numbered.township_user)
    html = client.get("/requests").get_data(as_text=True)
    assert _in_page(html, NAMES) == IN_ORDER


def test_handover_form_lists_grids_in_natural_order(client, login_as, numbered):
    login_as(numbered.secretary_a)
    html = client.get(f"/handovers/new?from_worker_id={numbered.worker_a.id}").get_data(
        as_text=True
    )
    to_grid = html[html.index("to_grid_id") :]
    assert _in_page(to_grid, NAMES) == IN_ORDER


def test_a_users_grids_read_in_natural_order(client, login_as, numbered):
    grids = db.session.scalars(sa.select(Grid).where(Grid.name.in_(NAMES))).all()
    numbered.worker_a.grids = sorted(grids, key=lambda g: g.id)
    db.session.commit()
    # Listed as the page's language lists (Babel's pattern): "、" between, "和" before the last.
    joined = "、".join(IN_ORDER[:-1]) + "和" + IN_ORDER[-1]
    login_as(numbered.admin)
    assert joined in client.get("/admin/users").get_data(as_text=True)
    login_as(numbered.secretary_a)
    assert joined in client.get("/rounds/workers").get_data(as_text=True)
