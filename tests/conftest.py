"""Shared fixtures: a fresh database per test, clients, login_as, factories, query counts,
a live server, and the one parser of htmx fragments.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
"""

import contextvars
import os
import re
import shutil
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask import has_app_context, has_request_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from jinja2 import BytecodeCache
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from app import create_app, timeutil
from app.db import set_write_intent
from app.extensions import db
from app.timeutil import local_today
from tests.dates import Later, resolve

PG_URL = os.environ.get("TEST_DATABASE_URL")
REFERENCE_TABLES = {
    "care_reasons",
    "request_categories",
    "risk_factor_types",
    "checklist_templates",
    "checklist_items",
    "referral_services",
    "departments",
    "alembic_version",
}
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def password_hash():
    from app.accounts.passwords import hash_password

    return hash_password(PASSWORD)


class _SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for every app the run builds (an app per test)."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if (data := self.code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = _SharedBytecodeCache()


def _base_config(tmp: Path, url: str) -> dict:
    return {
        "JINJA_BYTECODE_CACHE": TEMPLATE_CACHE,
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "PHOTO_STORE": str(tmp / "photos"),
        "IMPORT_STORE": str(tmp / "imports"),
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SERVER_NAME": None,
        # Tests dated relative to today would move with the holiday schedule; the roll-over
        # has its own table tests at fixed dates (tests/requests/test_deadlines.py).
        "REQUEST_WORKING_DAY_ROLLOVER": False,
    }


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory):
    """Migrate and seed once per run; each test then starts from a copy (or a truncation)."""
    from flask_migrate import upgrade

    from app.seed import load_reference_data

    tmp = tmp_path_factory.mktemp("schema")
    url = PG_URL or f"sqlite:///{tmp / 'template.db'}"
    app = create_app(_base_config(tmp, url))
    with app.app_context():
        if PG_URL:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        upgrade()
        load_reference_data()
        db.session.commit()
        db.engine.dispose()
    return tmp / "template.db"


def field_tables() -> list[str]:
    """The tables a test fills (all but the reference data), in dependency order."""
    return [t.name for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES]


def _truncate_pg() -> None:
    """Empty the field tables and restart their ids, as TRUNCATE ... RESTART IDENTITY would.

    TRUNCATE gives every table and index a new file: 120 ms a test for 32 tables, a tenth of
    the PostgreSQL suite. Deleting a test's few rows takes 5 ms. As with TRUNCATE, no trigger
    runs (the audit trail's append-only guard) and no foreign key is checked: all go at once.
    """
    tables = field_tables()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in tables:
            conn.exec_driver_sql(f'DELETE FROM "{table}"')  # noqa: S608 (the models' names)
        conn.execute(
            sa.text(
                "SELECT setval(seq.seqrelid, 1, false) FROM pg_sequence seq"
                " JOIN pg_depend dep ON dep.objid = seq.seqrelid AND dep.deptype IN ('a', 'i')"
                " JOIN pg_class tab ON tab.oid = dep.refobjid"
                " WHERE tab.relnamespace = 'public'::regnamespace"
                " AND tab.relname = ANY(:tables)"
            ),
            {"tables": tables},
        )


@pytest.fixture
def app(schema_template, tmp_path, request):
    if PG_URL:
        url = PG_URL
    else:
        target = tmp_path / "test.db"
        shutil.copy(schema_template, target)
        url = f"sqlite:///{target}"
    config = _base_config(tmp_path, url)
    # Login throttling is off unless a test asks for it with @pytest.mark.ratelimit.
    config["RATELIMIT_ENABLED"] = request.node.get_closest_marker("ratelimit") is not None
    app = create_app(config)
    with app.app_context():
        if PG_URL:
            _truncate_pg()
        yield app
        db.session.remove()
        db.engine.dispose()


class GridbookClient(FlaskClient):
    """A test client that sends a valid CSRF token and, on request, the htmx headers."""

    csrf = True

    def open(self, *args, htmx: bool = False, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if htmx:
            headers.setdefault("HX-Request", "true")
            headers.setdefault("HX-Current-URL", "http://localhost/")
        method = (kwargs.get("method") or "GET").upper()
        if self.csrf and method not in ("GET", "HEAD", "OPTIONS"):
            token = self.csrf_token()
            data = kwargs.get("data")
            if isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = {**data, "csrf_token": token}
            elif data is None and "json" not in kwargs:
                kwargs["data"] = {"csrf_token": token}
            headers.setdefault("X-CSRFToken", token)
        kwargs["headers"] = headers
        # Each request gets its own app context (and so its own db session and `g`), as in
        # production: run it in an empty contextvars context. The test's own session first
        # ends its transaction so that it neither holds a snapshot nor hides the request's
        # writes; its objects reload on next access.
        if not has_app_context():  # a redirect followed inside the request's own context
            return super().open(*args, **kwargs)
        db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response

    def csrf_token(self) -> str:
        """A signed CSRF token matching this client's session, as Flask-WTF makes them."""
        with self.session_transaction() as sess:
            raw = sess.get("csrf_token")
            if not raw:
                raw = uuid.uuid4().hex
                sess["csrf_token"] = raw
        s = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return s.dumps(raw)


@pytest.fixture
def client(app):
    app.test_client_class = GridbookClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def server_at(monkeypatch):
    """Within the block, the server's now is `moment` (naive UTC, earlier or later than the
    machine's): clock_at for the test's own code and for the test client's requests too,
    which each run in a context of their own (GridbookClient above)."""

    @contextmanager
    def _at(moment: datetime):
        with monkeypatch.context() as m:
            m.setattr(timeutil, "_clock", contextvars.ContextVar("test_clock", default=moment))
            yield

    return _at


@pytest.fixture
def reads_do_not_lock(app):
    """Keep the test's own reads off SQLite's write lock while other threads write."""
    # The default is a write transaction (BEGIN IMMEDIATE): a test reading that way would
    # stall the live server's or a writer thread's commits.
    set_write_intent(False)
    yield
    db.session.remove()
    set_write_intent(True)


@pytest.fixture
def live_server(app, reads_do_not_lock):
    """Serve the test app (its database is this test's database) with a thread per request."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def refuse_next_commit():
    """Make the next commit made while serving a request fail with `exc` (a full disk, a
    read-only file): injected at the session, whichever code path commits."""
    listeners = []

    def _arm(exc: BaseException) -> None:
        armed = [True]

        def before_commit(session):
            from app.db import only_read

            # A PostgreSQL transaction that only read ends with a COMMIT too (db.py), which
            # writes nothing for a full disk to refuse: the next commit of a write is meant.
            if armed[0] and has_request_context() and not only_read(session):
                armed[0] = False
                raise exc

        sa.event.listen(Session, "before_commit", before_commit)
        listeners.append(before_commit)

    yield _arm
    for listener in listeners:
        sa.event.remove(Session, "before_commit", listener)


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside a `with count_queries() as n:` block (n.count)."""
    from contextlib import contextmanager

    class Counter:
        count = 0
        statements: list[str] = []

    @contextmanager
    def counting():
        counter = Counter()
        counter.statements = []

        def before(_conn, _cursor, statement, *_args):
            if (
                not statement.lstrip()
                .upper()
                .startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK"))
            ):
                counter.count += 1
                counter.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counting


# ---- dates, reckoned when the test runs (tests/dates.py) ----------------------------------


@pytest.fixture
def today():
    """Today in the township as the test runs (never a module-level TODAY: see tests/dates.py)."""
    return local_today()


def pytest_make_parametrize_id(config, val, argname):
    if isinstance(val, Later):
        return val.label.encode("unicode_escape").decode("ascii")  # as pytest shows a string
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """A parameter holding a Later (Days(+1)) gets its value now, as the test is called."""
    callspec = getattr(pyfuncitem, "callspec", None)
    for name in callspec.params if callspec else ():
        if name in pyfuncitem.funcargs:
            pyfuncitem.funcargs[name] = resolve(pyfuncitem.funcargs[name])


# ---- the small world every test can use -------------------------------------------


@pytest.fixture
def world(app, password_hash):
    """One township, communities A and B, two grids each, and a user of every role."""
    from app.models import Community, Grid, Township, User

    t = Township(name="Test Township")
    ca = Community(township=t, name="Community A")
    cb = Community(township=t, name="Community B")
    a1, a2 = Grid(community=ca, name="A1"), Grid(community=ca, name="A2")
    b1, b2 = Grid(community=cb, name="B1"), Grid(community=cb, name="B2")
    db.session.add_all([t, ca, cb, a1, a2, b1, b2])
    db.session.flush()

    def user(username, role, **kw):
        u = User(
            username=username,
            display_name=username.title(),
            password_hash=password_hash,
            role=role,
            **kw,
        )
        db.session.add(u)
        return u

    w = type("World", (), {})()
    w.township, w.ca, w.cb = t, ca, cb
    w.a1, w.a2, w.b1, w.b2 = a1, a2, b1, b2
    w.worker_a = user("worker_a", "worker", community_id=ca.id, township_id=t.id)
    w.worker_a.grids = [a1]
    w.worker_a2 = user("worker_a2", "worker", community_id=ca.id, township_id=t.id)
    w.worker_a2.grids = [a2]
    w.worker_b = user("worker_b", "worker", community_id=cb.id, township_id=t.id)
    w.worker_b.grids = [b1]
    w.secretary_a = user("secretary_a", "secretary", community_id=ca.id, township_id=t.id)
    w.secretary_b = user("secretary_b", "secretary", community_id=cb.id, township_id=t.id)
    w.township_user = user("township_1", "township", township_id=t.id)
    w.inspector = user("inspector_1", "inspector", township_id=t.id)
    w.admin = user("admin_1", "admin")
    db.session.commit()
    return w


@pytest.fixture
def login_as(client):
    """Log the test client in as a user (a real server-side session, no password round trip)."""
    from app.accounts.services import start_session

    def _login(user):
        token = start_session(user)
        db.session.commit()
        with client.session_transaction() as sess:
            sess.clear()
            sess["_user_id"] = token
            sess["_fresh"] = True
            sess.permanent = True
        return client

    return _login


# ---- factories ---------------------------------------------------------------------


@pytest.fixture
def make_resident(world):
    from app.models import CareReason, Resident

    def _make(grid=None, name="张三", care=("elderly_alone",), **kw):
        r = Resident(
            grid_id=(grid or world.a1).id,
            name=name,
            building=kw.pop("building", "3"),
            unit=kw.pop("unit", "2"),
            room=kw.pop("room", "301"),
            **kw,
        )
        r.care_reasons = [db.session.get(CareReason, c) for c in care]
        db.session.add(r)
        db.session.commit()
        return r

    return _make


@pytest.fixture
def make_daily_log(world):
    from app.models import DailyLog

    def _make(worker=None, day=None, status="open"):
        worker = worker or world.worker_a
        log = DailyLog(
            worker_id=worker.id,
            community_id=worker.community_id,
            day=day or local_today(),
            status=status,
        )
        db.session.add(log)
        db.session.commit()
        return log

    return _make


@pytest.fixture
def make_visit(world):
    from app.models import DailyLog, Visit
    from app.timeutil import moment_on

    def _make(resident=None, project=None, worker=None, day=None, **kw):
        worker = worker or world.worker_a
        day = day or local_today()
        log = db.session.scalar(
            sa.select(DailyLog).where(DailyLog.worker_id == worker.id, DailyLog.day == day)
        )
        if log is None:
            log = DailyLog(worker_id=worker.id, community_id=worker.community_id, day=day)
            db.session.add(log)
            db.session.flush()
        grid_id = resident.grid_id if resident else worker.grids[0].id
        v = Visit(
            uuid=str(uuid.uuid4()),
            worker_id=worker.id,
            grid_id=grid_id,
            resident_id=resident.id if resident else None,
            project_id=project.id if project else None,
            daily_log_id=log.id,
            visited_on=day,
            visited_at=moment_on(day),
            purpose=kw.pop("purpose", "routine"),
            outcome=kw.pop("outcome", "done"),
            summary=kw.pop("summary", "All well."),
            **kw,
        )
        db.session.add(v)
        db.session.commit()
        return v

    return _make


@pytest.fixture
def make_project(world):
    from app.models import Project

    def _make(community=None, name="Road resurfacing", **kw):
        p = Project(
            uuid=str(uuid.uuid4()),
            community_id=(community or world.ca).id,
            name=name,
            kind=kw.pop("kind", "road_works"),
            **kw,
        )
        db.session.add(p)
        db.session.commit()
        return p

    return _make


@pytest.fixture
def item_defaults(app):
    """Set a checklist item's defaults (severity, days) for one test, and put them back: the
    reference tables are kept from test to test on PostgreSQL, not copied afresh (CI: an
    item's 5 days left by one test took a later test's hazard out of "due soon")."""
    from app.models import ChecklistItem

    changed = []

    def _set(code: str, **values):
        item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == code))
        changed.append((item.id, {name: getattr(item, name) for name in values}))
        for name, value in values.items():
            setattr(item, name, value)
        db.session.commit()
        return item

    yield _set
    db.session.rollback()
    for item_id, old in reversed(changed):
        db.session.execute(
            sa.update(ChecklistItem).where(ChecklistItem.id == item_id).values(**old)
        )
    db.session.commit()


@pytest.fixture
def make_hazard(world, make_visit):
    from app.models import ChecklistItem, Hazard

    def _make(resident=None, visit=None, severity="S2", due_on=None, status="open", **kw):
        item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "F1"))
        visit = visit or make_visit(resident=resident)
        h = Hazard(
            visit_id=visit.id,
            item_id=item.id,
            template_id=item.template_id,
            grid_id=visit.grid_id,
            resident_id=visit.resident_id,
            project_id=visit.project_id,
            severity=severity,
            found_on=visit.visited_on,
            due_on=due_on or visit.visited_on + timedelta(days=3),
            status=status,
            **kw,
        )
        db.session.add(h)
        db.session.commit()
        return h

    return _make


@pytest.fixture
def make_request(world, make_resident):
    """A request as it stands after some steps (no events); a new resident on `grid` if none."""
    from app.models import Request

    def _make(
        grid=None,
        *,
        resident=None,
        category="R04",
        status="received",
        track="community",
        received_on=None,
        **kw,
    ):
        resident = resident or make_resident(grid=grid)
        req = Request(
            uuid=str(uuid.uuid4()),
            resident_id=resident.id,
            grid_id=resident.grid_id,
            recorded_by_id=kw.pop("recorded_by", world.worker_a).id,
            channel=kw.pop("channel", "visit"),
            category_code=category,
            summary=kw.pop("summary", "The lift has been broken for two weeks."),
            received_on=received_on or local_today() - timedelta(days=1),
            track=track,
            status=status,
            **kw,
        )
        db.session.add(req)
        db.session.commit()
        return req

    return _make


# ---- reading htmx fragments --------------------------------------------------------

VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _FragmentRoots(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0
        self.ids: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.ids.append(dict(attrs).get("id"))
        if tag not in VOID_ELEMENTS:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag not in VOID_ELEMENTS:
            self.depth -= 1


def fragment_root_ids(html: str) -> list[str | None]:
    """Ids of an htmx response's top-level elements, out-of-band ones too (None: no id)."""
    parser = _FragmentRoots()
    parser.feed(html)
    return parser.ids


# ---- logged-in HTTP sessions on the live server (fault and race tests) ------------

CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'value="([^"]+)"[^>]*name="csrf_token"'
)

HEADER_RE = re.compile(r'X-CSRFToken&#34;: &#34;([^&]+)&#34;|"X-CSRFToken": "([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    m = CSRF_RE.search(html)
    assert m, "no csrf_token in page"
    return m.group(1) or m.group(2)


@pytest.fixture
def http_login(live_server):
    """A requests.Session logged in through the real login form, with its CSRF token."""
    sessions = []

    def _login(username: str) -> requests.Session:
        s = requests.Session()
        page = s.get(f"{live_server.url}/login", timeout=30)
        resp = s.post(
            f"{live_server.url}/login",
            timeout=30,
            allow_redirects=False,
            data={"csrf_token": csrf_from(page.text), "username": username, "password": PASSWORD},
        )
        assert resp.status_code == 303, resp.text[:500]
        home = s.get(f"{live_server.url}/", timeout=30)
        m = HEADER_RE.search(home.text)
        assert m, "no CSRF header on the home page"
        s.headers["X-CSRFToken"] = m.group(1) or m.group(2)
        s.base = live_server.url
        sessions.append(s)
        return s

    yield _login
    for s in sessions:
        s.close()


# ---- browser tests on a shared 2-core machine --------------------------------------------
# A browser test waits on Chromium, a server thread and the database at once; on a loaded
# machine one of those waits can run past its timeout although nothing is wrong with the app.
# Such a test gets one more try (pytest-rerunfailures), and the try is reported ("R" in the
# summary, "RERUN" in the log) so that a test that needs it often is seen; a real fault fails
# both tries. Every other test gets none.
BROWSER_RERUNS = 1


def pytest_collection_modifyitems(config, items):
    if not config.pluginmanager.hasplugin("rerunfailures"):  # -p no:rerunfailures
        return
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("flaky"):
            item.add_marker(pytest.mark.flaky(reruns=BROWSER_RERUNS))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed and item.get_closest_marker("browser"):
        pages = _open_pages(item)
        if pages:
            report.sections.append(("browser pages at failure", "\n\n".join(pages)))
    return report


def _open_pages(item) -> list[str]:
    """The URL and opening text of every page the failed test had open, to tell an error
    page (Chromium's or ours) from a page that was still waiting."""
    from playwright.sync_api import BrowserContext, Page

    seen, out = set(), []
    for value in item.funcargs.values():
        if isinstance(value, Page):
            found = [value]
        elif isinstance(value, BrowserContext):
            found = list(value.pages)
        else:
            continue
        for pg in found:
            if id(pg) in seen:
                continue
            seen.add(id(pg))
            try:
                text = pg.inner_text("body", timeout=2000)[:600]
            except Exception as err:  # a closed or crashed page says why
                text = f"(no text: {err})"
            out.append(f"{pg.url}\n{text}")
    return out


# ---- where CI's time goes -----------------------------------------------------------------
# With GRIDBOOK_TEST_TIMES set, each test's phases are appended to that file as they end, so
# that a run stopped by CI's time limit still tells which tests took the time (pytest's own
# --durations prints only at the end).
_TIMES_FILE = os.environ.get("GRIDBOOK_TEST_TIMES")


def pytest_runtest_logreport(report):
    if not _TIMES_FILE:
        return
    with open(_TIMES_FILE, "a", encoding="utf-8") as out:
        out.write(f"{report.duration:.2f}\t{report.when}\t{report.outcome}\t{report.nodeid}\n")
    if report.outcome == "rerun":
        # Why a test passed only on its second try: -rR names it, without the first error.
        with open(_TIMES_FILE + ".reruns.txt", "a", encoding="utf-8") as out:
            out.write(f"==== {report.nodeid}\n{report.longreprtext[-4000:]}\n")
