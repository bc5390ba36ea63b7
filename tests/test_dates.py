"""No test reckons a date when pytest collects it (tests/dates.py says why), and the dates in
parametrize tables are worked out when the test runs."""

import ast
from contextvars import ContextVar
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app import timeutil
from app.timeutil import local_today
from tests.dates import Days, Later, resolve

TESTS = Path(__file__).resolve().parent
# What reads the clock: app.timeutil's readers, and date.today() or datetime.now() however
# spelt. A function of the tests themselves that calls one of these reads it too.
CLOCK = {"local_today", "utcnow"}
CLOCK_METHODS = {"today", "now", "utcnow", *CLOCK}
CLOCK_OWNERS = {"date", "datetime", "timeutil"}


def _executed(node: ast.AST):
    """The nodes evaluated when `node` runs: a nested function's or lambda's body waits for a
    call, its decorators and defaults do not."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        args = node.args
        now = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
        if not isinstance(node, ast.Lambda):
            now += node.decorator_list
        for child in now:
            yield from _executed(child)
        return
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _executed(child)


def _body(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    return [n for stmt in node.body for n in _executed(stmt)]


def _calls(nodes) -> list[ast.Call]:
    return [n for n in nodes if isinstance(n, ast.Call)]


def _reads_directly(call: ast.Call) -> bool:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id in CLOCK
    if isinstance(f, ast.Attribute) and f.attr in CLOCK_METHODS:
        owner = f.value
        name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
        return name in CLOCK_OWNERS
    return False


def clock_reads_at_collection(sources: dict[str, str]) -> list[str]:
    """Where a test module (dotted name: source) reads the clock as it is imported, that is
    when pytest collects it: "module:line: call"."""
    trees = {mod: ast.parse(src) for mod, src in sources.items()}
    names = {mod: _local_names(mod, tree) for mod, tree in trees.items()}
    readers: set[tuple[str, str]] = set()

    def reads(mod: str, call: ast.Call) -> bool:
        f = call.func
        return _reads_directly(call) or (
            isinstance(f, ast.Name) and names[mod].get(f.id, (None, None)) in readers
        )

    grew = True
    while grew:  # a helper calling a helper that reads the clock reads it too
        grew = False
        for mod, tree in trees.items():
            for top in tree.body:
                runs = _runs_when_called(top)
                if runs is None or (mod, top.name) in readers:
                    continue
                if any(reads(mod, c) for c in _calls(runs)):
                    readers.add((mod, top.name))
                    grew = True
    return [
        f"{mod}:{call.lineno}: {ast.unparse(call)}"
        for mod, tree in trees.items()
        for call in _calls(_executed(tree))
        if reads(mod, call)
    ]


def _runs_when_called(top: ast.stmt) -> list[ast.AST] | None:
    """What runs when a module's function or class is called (a class: its __init__)."""
    if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef):
        return _body(top)
    if isinstance(top, ast.ClassDef):
        inits = [n for n in top.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
        return [n for init in inits for n in _body(init)]
    return None


def _local_names(mod: str, tree: ast.Module) -> dict[str, tuple[str, str]]:
    """Each name the module can call (its own, or imported from another test module) as
    (module, name)."""
    out = {}
    for top in tree.body:
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out[top.name] = (mod, top.name)
        elif isinstance(top, ast.ImportFrom) and (top.module or "").startswith("tests"):
            for alias in top.names:
                out[alias.asname or alias.name] = (top.module, alias.name)
    return out


def _test_modules() -> dict[str, str]:
    return {
        ".".join(p.relative_to(TESTS.parent).with_suffix("").parts): p.read_text(encoding="utf-8")
        for p in sorted(TESTS.rglob("*.py"))
    }


def test_no_test_module_reckons_a_date_when_it_is_collected():
    """A date worked out at collection is a day behind when the run crosses 16:00 UTC (midnight
    in the township): tests take the `today` fixture, tables hold Days(n)."""
    found = clock_reads_at_collection(_test_modules())
    assert not found, "Reckoned at collection (take `today`, or Days(n) in a table):\n" + "\n".join(
        found
    )


HELPERS = """
from datetime import date, timedelta
from app.timeutil import local_today

def day(n):
    return local_today() + timedelta(days=n)

def later(n):
    return day(n)
"""


def _case(name: str, source: str, *found: str):
    return pytest.param(source, list(found), id=name)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        _case("module-level TODAY", "TODAY = local_today()", "local_today()"),
        _case("date.today", "X = date.today().isoformat()", "date.today()"),
        _case("datetime.now", "X = datetime.datetime.now()", "datetime.datetime.now()"),
        _case("timeutil.utcnow", "AT = timeutil.utcnow()", "timeutil.utcnow()"),
        _case("a helper in a table", "CASES = [{'on': day(1)}]", "day(1)"),
        _case("a helper's helper", "CASES = [later(1)]", "later(1)"),
        _case("another module's helper", "from tests.h import later as l\nX = l(2)", "l(2)"),
        _case(
            "a parametrize argument",
            "@pytest.mark.parametrize('on', [day(-1)])\ndef test_x(on):\n    pass",
            "day(-1)",
        ),
        _case("a default argument", "def test_x(on=day(0)):\n    pass", "day(0)"),
        _case("a class attribute", "class T:\n    ON = local_today()", "local_today()"),
        _case("in a test", "def test_x(today):\n    assert day(0) == local_today() == today"),
        _case("in a lambda", "F = lambda on=None: local_today()"),
        _case("a Later", "CASES = [Days(+1), Later('x', lambda: day(1))]"),
        _case("a fixed date", "FIXED = date(2026, 12, 5)"),
    ],
)
def test_the_check_finds_a_date_reckoned_at_import(source, found):
    """`m` may call Days, Later and the helpers of tests.h, which read the clock."""
    imports = "from tests.h import day, later\nfrom tests.dates import Days, Later\n"
    sources = {"tests.h": HELPERS, "tests.dates": (TESTS / "dates.py").read_text(), "m": source}
    sources["m"] = imports + source
    assert [f.split(": ", 1)[1] for f in clock_reads_at_collection(sources)] == found


@pytest.fixture
def clock_moved(monkeypatch):
    """Move the township's clock to `moment` (naive UTC), as tests/visits' server_at does."""

    def _move(moment: datetime) -> None:
        monkeypatch.setattr(timeutil, "_clock", ContextVar("test_clock", default=moment))

    return _move


def test_days_are_reckoned_when_resolved_not_when_written(clock_moved):
    """Written at 15:59 UTC, tomorrow is resolved at 16:01 UTC: a day later in the township."""
    clock_moved(datetime(2026, 12, 5, 15, 59))
    table = [{"visited_on": Days(+1).iso}, (Days(-31), "kept")]
    clock_moved(datetime(2026, 12, 5, 16, 1))
    assert resolve(table) == [{"visited_on": "2026-12-07"}, (datetime(2026, 11, 5).date(), "kept")]


def test_what_holds_no_later_is_passed_as_it_is():
    kept = {"on": ["2026-12-05"], "n": (1, 2)}
    assert resolve(kept) is kept
    assert resolve(Later("ten", lambda: 10)) == 10


@pytest.mark.parametrize(
    ("on", "n"), [(Days(+1), 1), (Days(0), 0), (Days(-1), -1), (Days(-31), -31), (Days(400), 400)]
)
def test_a_parametrized_day_reaches_the_test_as_todays_date_and_names_it(request, on, n):
    assert on == local_today() + timedelta(days=n)
    assert request.node.callspec.id.startswith(
        {1: "tomorrow", 0: "today", -1: "yesterday", -31: "31 days ago", 400: "in 400 days"}[n]
    )
