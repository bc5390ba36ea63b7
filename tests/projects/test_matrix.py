import pytest

from app.extensions import db
from app.projects.matrix import heat_map, risk_level


@pytest.mark.parametrize(
    ("likelihood", "impact", "level"),
    [
        (1, 1, "low"),
        (1, 2, "low"),
        (2, 1, "low"),
        (1, 3, "medium"),
        (3, 1, "medium"),
        (2, 2, "medium"),
        (2, 3, "high"),
        (3, 2, "high"),
        (3, 3, "high"),
    ],
)
def test_every_cell_of_the_matrix(likelihood, impact, level):
    assert risk_level(likelihood, impact) == level


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 1), (4, 1), (1, 0), (1, 4), (-1, 2)])
def test_matrix_refuses_values_off_the_scale(likelihood, impact):
    with pytest.raises(ValueError, match="1 to 3"):
        risk_level(likelihood, impact)


def test_overall_level_is_the_highest_open_factor(make_project, make_factor):
    project = make_project()
    make_factor(project, "P3", 1, 2)  # low
    make_factor(project, "P6", 2, 2)  # medium
    make_factor(project, "P7", 3, 3, status="closed")  # high, but closed
    make_factor(project, "P8", 3, 2, status="mitigated")  # high, but mitigated
    db.session.refresh(project)
    assert project.overall_level == "medium"


def test_overall_level_high_wins_over_low(make_project, make_factor):
    project = make_project()
    make_factor(project, "P1", 1, 1)
    make_factor(project, "P2", 3, 3)
    db.session.refresh(project)
    assert project.overall_level == "high"


def test_overall_level_is_none_without_open_factors(make_project, make_factor):
    project = make_project()
    assert project.overall_level is None
    make_factor(project, "P3", 3, 3, status="closed")
    db.session.refresh(project)
    assert project.overall_level is None


def test_heat_map_places_factors_in_their_cell(make_project, make_factor):
    project = make_project()
    noise = make_factor(project, "P3", 3, 2)
    dust = make_factor(project, "P7", 1, 1)
    rows = heat_map([noise, dust])
    assert [r["impact"] for r in rows] == [3, 2, 1]
    cells = {(c["likelihood"], c["impact"]): c for r in rows for c in r["cells"]}
    assert len(cells) == 9
    assert cells[(3, 2)]["factors"] == [noise]
    assert cells[(3, 2)]["level"] == "high"
    assert cells[(1, 1)]["factors"] == [dust]
    assert sum(len(c["factors"]) for c in cells.values()) == 2
