"""Load and clear the demo data: one township of two communities, six grids and their records.

The records are made by the same services the routes use, replaying the last four weeks
with the clock set back, so demo data is never something the app itself would refuse.
Everything comes from seeded random generators and lists walked in a fixed order, and
dates are counted back from today, so every load gives the same (and current-looking) data.
Demo rows are found again through the demo users (`is_demo`) and the township they belong to.
"""

import heapq
import itertools
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

import click
import sqlalchemy as sa

from ..accounts.passwords import hash_password
from ..accounts.services import set_scope
from ..audit.services import demo_replay, record
from ..db import write_intent
from ..extensions import db
from ..hazards import services as hazards
from ..models import (
    Answer,
    Assessment,
    AuditEvent,
    ChecklistTemplate,
    Community,
    Concern,
    DailyLog,
    Grid,
    Handover,
    Hazard,
    Household,
    Photo,
    Project,
    Referral,
    Request,
    RequestEvent,
    Resident,
    RiskFactor,
    Screening,
    Township,
    User,
    UserSession,
    Visit,
    resident_care_reasons,
    user_grids,
)
from ..photos.services import add_photos
from ..projects.services import add_factor, create_project, record_decision, save_assessment
from ..requests import services as requests
from ..requests.deadlines import rules as request_rules
from ..residents.services import FIELDS as RESIDENT_FIELDS
from ..residents.services import create_resident, update_resident
from ..review import services as review
from ..screening import services as screening
from ..seed import RESTRICTED_CATEGORIES
from ..timeutil import clock_at, day_start_utc, local_today, utcnow
from ..visits.services import create_visit
from . import texts
from .images import draw_scene

SEED = 20261122
DEMO_PASSWORD = "gridbook-demo"  # noqa: S105  (published demo login, demo data only)
DEMO_DAYS = 28
RESIDENTS_PER_GRID = 34  # about 200 in six grids
ANSWER_PHOTOS = 3  # on welfare items that needed attention (photos on any checklist item)
# Where an urgent hazard of each checklist is reported (上报) in the demo.
REPORTED_TO = {
    "gas": "gas_company",
    "building": "housing",
    "electrical": "power_supply",
    "flood": "emergency_management",
    "construction": "urban_management",
}
HAZARD_PHOTOS = 6  # of the first hazards found; every fix comes with its photo
VISIT_PHOTOS_EACH = 3  # site visits, and elderly-care visits
RETIRED_PREFIX = "retired-demo-"
UNUSABLE_HASH = "!"
DEMO_USERNAMES = (
    *(f"worker{i}" for i in range(1, 7)),
    "secretary1",
    "secretary2",
    "township1",
    "inspector1",
    "admin1",
)


def database_has_users() -> bool:
    """True when someone (other than removed demo users) can log in: not a first run."""
    retired_demo = sa.and_(User.is_demo.is_(True), User.active.is_(False))
    return db.session.scalar(sa.select(User.id).where(sa.not_(retired_demo)).limit(1)) is not None


def new_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from the demo generator, so that reloads give the same ones."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def at_local(day: date, hours: float) -> datetime:
    """The stored (naive UTC) instant of a local time of day."""
    return day_start_utc(day) + timedelta(hours=hours)


def load_demo(
    large: bool = False, echo=print, *, residents: int = 100_000, visits: int = 1_000_000
) -> None:
    """Load the demo township (once) and, with large, the benchmark township."""
    from ..seed import load_reference_data

    with write_intent():
        load_reference_data()
        db.session.commit()
        _one_loader_at_a_time()
        township = demo_township()
        if township is not None:
            echo(f"Demo data already loaded ({texts.TOWNSHIP}); nothing changed.")
        else:
            _refuse_taken_names()
            DemoBuilder(random.Random(SEED), echo).build()
            db.session.commit()
    if large:
        from .large import load_large

        load_large(echo=echo, residents=residents, visits=visits)
    # The loaders write rows in bulk, past the session's flush hooks: count the roll-ups and
    # compute the residents' due dates and the open follow-ups again.
    from ..rounds.due import rebuild as rebuild_due
    from ..tallies.rollups import rebuild
    from ..visits.follow_ups import rebuild as rebuild_follow_ups

    with write_intent():
        rebuild(db.session)
        rebuild_due(db.session)
        rebuild_follow_ups(db.session)
        db.session.commit()


def _one_loader_at_a_time() -> None:
    """Serialize concurrent loads (several hosts running `demo load --if-empty` at once)."""
    # SQLite's BEGIN IMMEDIATE does this already; PostgreSQL needs a transaction lock.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(SEED)))


def demo_township() -> Township | None:
    """The demo township, if the demo data is loaded."""
    return db.session.scalar(
        sa.select(Township)
        .join(User, User.township_id == Township.id)
        .where(User.username == "township1", User.is_demo.is_(True))
    )


def _refuse_taken_names() -> None:
    taken = db.session.scalars(
        sa.select(User.username).where(User.username.in_(DEMO_USERNAMES)).order_by(User.username)
    ).all()
    if taken:
        raise click.ClickException("Usernames taken, demo data not loaded: " + ", ".join(taken))
    if db.session.scalar(sa.select(Township.id).where(Township.name == texts.TOWNSHIP)):
        raise click.ClickException(
            f"A township named {texts.TOWNSHIP} exists and is not demo data; not loaded."
        )


@dataclass(frozen=True)
class RequestSpec:
    """One demo request: which grid, how it came in, and where it stands."""

    grid: int
    code: str
    channel: str
    track: str
    status: str
    days_ago: int
    summary: str
    reply: str = ""
    reason: str = ""
    redirect: str | None = None
    extension: str = ""
    satisfaction: str | None = None


@dataclass
class WorkerPlan:
    """One demo worker with the grid, community and secretary they work under."""

    user: User
    grid: Grid
    community: Community
    secretary: User
    residents: list[Resident]
    project: Project | None = None
    statuses: dict[date, str] = field(default_factory=dict)


class DemoBuilder:
    """Replays four weeks of a township's work through the services, with the clock set back.

    Each step (a visit, a submitted day, a fix, a reply) is put on an agenda at the moment
    it happens and run at that moment (timeutil.clock_at), so the services date and check
    it as they would have then. A step the app refuses is a bug in the demo: it fails loudly.
    """

    def __init__(self, rng: random.Random, echo):
        self.rng = rng
        # Client UUIDs have a generator of their own, so they shift nothing drawn from rng.
        self.keys = random.Random(SEED + 1)
        self.echo = echo
        self.today = local_today()
        self.now = utcnow()
        # Steps due later today happen just before the load instead (still today).
        self.latest = max(self.now - timedelta(minutes=5), day_start_utc(self.today))
        self.agenda: list[tuple[datetime, int, Callable[[], object]]] = []
        self.order = itertools.count()
        self.templates = {
            t.code: t
            for t in db.session.scalars(
                sa.select(ChecklistTemplate).order_by(ChecklistTemplate.code)
            )
        }
        self.used_names: set[str] = set()
        self.hazards: list[Hazard] = []
        self.visits: list[Visit] = []
        self.requests: list[Request] = []
        self.photo_count = 0
        self.photos = {"hazard": 0, "project": 0, "elderly_care": 0, "answer": 0}
        self.site_visits: dict[int, int] = {}

    def build(self) -> None:
        """Make every demo record and flush them."""
        self.password_hash = hash_password(DEMO_PASSWORD)
        with demo_replay():
            self._places_and_users()
            with clock_at(self.now - timedelta(days=90)):
                self._residents()
            self._projects()
            self._requests_plan()
            self._days()
            for spec, plan, resident, received in self.request_plan:
                if spec.channel != "visit":
                    self.at(
                        at_local(received, 10 + self.rng.random()),
                        partial(self._register, spec, plan, resident, received, None),
                    )
            self._run()
            self._tag_open_needs()
        residents = sum(len(w.residents) for w in self.workers)
        record(
            "demo_loaded",
            "township",
            self.township.id,
            {"residents": residents, "visits": len(self.visits), "photos": self.photo_count},
        )
        self.echo(
            f"Demo data loaded: {texts.TOWNSHIP}, {len(self.workers)} grids, "
            f"{residents} residents, {len(self.visits)} visits, {len(self.hazards)} hazards, "
            f"{len(self.requests)} requests, {self.photo_count} photos. "
            f"Password: {DEMO_PASSWORD}"
        )

    def at(self, when: datetime, step: Callable[[], object]) -> None:
        """Put a step on the agenda; steps at the same moment run in the order given."""
        heapq.heappush(self.agenda, (min(when, self.latest), next(self.order), step))

    def _run(self) -> None:
        while self.agenda:
            when, _order, step = heapq.heappop(self.agenda)
            with clock_at(when):
                step()

    # ---- places and people ------------------------------------------------------------

    def _user(
        self,
        username: str,
        role: str,
        display_name: str,
        *,
        township_id: int | None = None,
        community_id: int | None = None,
        grid_ids: list[int] | None = None,
    ) -> User:
        # accounts.services.create_user but for the password: one Argon2 hash serves all ten
        # (each costs a third of a second, and the demo loads on every fresh `make run`).
        user = User(
            username=username,
            display_name=display_name,
            password_hash=self.password_hash,
            role=role,
            is_demo=True,
        )
        db.session.add(user)
        set_scope(user, role, township_id, community_id, grid_ids or [])
        db.session.flush()
        return user

    def _places_and_users(self) -> None:
        # Places have no service (the app never creates them), so they are added here.
        self.township = Township(name=texts.TOWNSHIP)
        db.session.add(self.township)
        worker_names = ("王芳", "李静", "张伟", "刘洋", "陈敏", "杨磊")
        secretary_names = ("赵建华", "周丽萍")
        self.communities: list[Community] = []
        self.workers: list[WorkerPlan] = []
        grid_names = iter(texts.GRID_NAMES)
        worker_no = 0
        for c_no, c_name in enumerate(texts.COMMUNITIES):
            community = Community(township=self.township, name=c_name)
            grids = [Grid(community=community, name=next(grid_names)) for _ in range(3)]
            db.session.add_all([community, *grids])
            db.session.flush()
            self.communities.append(community)
            secretary = self._user(
                f"secretary{c_no + 1}",
                "secretary",
                secretary_names[c_no],
                community_id=community.id,
            )
            for grid in grids:
                worker_no += 1
                worker = self._user(
                    f"worker{worker_no}", "worker", worker_names[worker_no - 1], grid_ids=[grid.id]
                )
                self.workers.append(WorkerPlan(worker, grid, community, secretary, []))
        self._user("township1", "township", "孙志强", township_id=self.township.id)
        self.inspector = self._user(
            "inspector1", "inspector", "钱立新", township_id=self.township.id
        )
        self._user("admin1", "admin", "吴昊")

    def _name(self, older: bool) -> str:
        # Unique names keep the demo readable (and the determinism test meaningful).
        while True:
            name = texts.person_name(self.rng, older)
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def _residents(self) -> None:
        codes, weights = zip(*texts.CARE_REASON_WEIGHTS, strict=True)
        for w_no, plan in enumerate(self.workers):
            buildings = [str(b) for b in range(w_no * 6 + 1, w_no * 6 + 7)]
            for _ in range(RESIDENTS_PER_GRID):
                first = self.rng.choices(codes, weights=weights)[0]
                care = {first}
                if self.rng.random() < 0.3:
                    care.add(self.rng.choices(codes, weights=weights)[0])
                if {"elderly_alone", "empty_nest"} <= care:
                    care.discard("empty_nest")
                older = bool(care & texts.ELDERLY_REASONS) or self.rng.random() < 0.5
                if "elderly_alone" in care:
                    household = 1
                elif "empty_nest" in care:
                    household = 2
                else:
                    household = self.rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6))
                floor = self.rng.randint(1, 6)
                data = {
                    "grid_id": plan.grid.id,
                    "name": self._name(older),
                    "building": self.rng.choice(buildings),
                    "unit": str(self.rng.randint(1, 3)),
                    "room": f"{floor}0{self.rng.randint(1, 4)}",
                    "phone": texts.phone_number(self.rng) if self.rng.random() < 0.7 else None,
                    "household_size": household,
                    "notes": (
                        self.rng.choice(texts.RESIDENT_NOTES) if self.rng.random() < 0.35 else ""
                    ),
                    "care_reasons": sorted(care),
                }
                resident, _created = create_resident(data, new_uuid(self.keys))
                plan.residents.append(resident)

    # ---- projects ---------------------------------------------------------------------

    def _projects(self) -> None:
        t = self.today
        road = {
            "name": "解放路路面改造工程",
            "kind": "road_works",
            "location": "解放路（建设街至人民路段）",
            "contractor": "市政建设集团第三工程公司",
            "starts_on": t - timedelta(days=21),
            "ends_on": t + timedelta(days=60),
            "status": "in_progress",
        }
        housing = {
            "name": "和平里老旧小区综合改造",
            "kind": "renovation",
            "location": "和平里小区1–12栋",
            "contractor": "城建住宅修缮有限公司",
            "starts_on": t - timedelta(days=14),
            "ends_on": t + timedelta(days=120),
            "status": "in_progress",
        }
        self.factors: dict[tuple[int, str], RiskFactor] = {}
        projects = []
        for community, values, factors, findings, decision, decided_days in (
            (
                self.communities[0],
                road,
                ROAD_FACTORS,
                ROAD_FINDINGS,
                "proceed_with_mitigations",
                40,
            ),
            (self.communities[1], housing, HOUSING_FACTORS, HOUSING_FINDINGS, "proceed", 60),
        ):
            decided_on = t - timedelta(days=decided_days)
            with clock_at(at_local(decided_on - timedelta(days=10), 10)):
                project = create_project(community.id, values, new_uuid(self.keys))
                for code, description, likelihood, impact, mitigation, owner, status in factors:
                    factor = add_factor(
                        project,
                        {
                            "factor_code": code,
                            "description": description,
                            "likelihood": likelihood,
                            "impact": impact,
                            "mitigation": mitigation,
                            "owner": owner,
                            "review_on": t + timedelta(days=self.rng.randint(3, 20)),
                            "status": status,
                            # One shared text shows the township what the mark does.
                            "text_shared": code == "P7",
                        },
                    )
                    self.factors[(project.id, code)] = factor
                save_assessment(project, {dim: (finding, note) for dim, finding, note in findings})
            with clock_at(at_local(decided_on, 15)):
                record_decision(project, decision, decided_on)
            projects.append(project)
        self.projects = tuple(projects)
        for plan in self.workers:
            plan.project = projects[0] if plan.community is self.communities[0] else projects[1]

    # ---- visits, day logs, screenings, hazards -----------------------------------------

    def _work_days(self) -> list[date]:
        start = self.today - timedelta(days=DEMO_DAYS - 1)
        days = [start + timedelta(days=n) for n in range(DEMO_DAYS - 1)]
        return [d for d in days if d.weekday() < 5] + [self.today]

    def _requests_plan(self) -> None:
        """Choose who asks what and when, so that visits can carry the requests made on them."""
        work_days = self._work_days()
        self.request_plan = []
        self.request_visits: dict[tuple[int, date], list] = {}
        for spec in REQUESTS:
            plan = self.workers[spec.grid]
            received = self.today - timedelta(days=spec.days_ago)
            if spec.channel == "visit":
                received = max(d for d in work_days if d <= received)
            resident = self.rng.choice(plan.residents)
            self.request_plan.append((spec, plan, resident, received))
            if spec.channel == "visit":
                self.request_visits.setdefault((spec.grid, received), []).append((resident, spec))

    def _days(self) -> None:
        """Put every visit of the four weeks on the agenda, and each day's submission and review."""
        work_days = self._work_days()
        past = [d for d in work_days if d < self.today]
        regulars = {}
        for w_no, plan in enumerate(self.workers):
            overdue_r, due_today_r = self.rng.sample(plan.residents, 2)
            pool = [r for r in plan.residents if r not in (overdue_r, due_today_r)]
            regulars[w_no] = (overdue_r, due_today_r, pool)
            plan.statuses = self._day_statuses(w_no, past)
        for d_no, day in enumerate(work_days):
            for w_no, plan in enumerate(self.workers):
                overdue_r, due_today_r, pool = regulars[w_no]
                subjects: list[tuple[str, Resident | None, RequestSpec | None]] = []
                count = self.rng.randint(2, 3) if day == self.today else self.rng.randint(3, 6)
                if d_no % 5 == w_no % 5 and plan.project.starts_on <= day:
                    subjects.append(("project", None, None))
                subjects += [
                    ("request", r, spec) for r, spec in self.request_visits.get((w_no, day), [])
                ]
                while len(subjects) < count:
                    subjects.append(("", self.rng.choice(pool), None))
                if day == past[-10]:
                    subjects.append(("overdue", overdue_r, None))
                if day == past[-5]:
                    subjects.append(("due_today", due_today_r, None))
                hour = 8.5 + self.rng.random()
                for kind, resident, spec in subjects:
                    self.at(
                        at_local(day, hour), partial(self._visit, plan, day, kind, resident, spec)
                    )
                    hour += 0.6 + self.rng.random()
                status = plan.statuses.get(day, "open")
                if status == "open":
                    continue
                submitted = at_local(day, max(17.5 + self.rng.random(), hour))
                self.at(submitted, partial(self._submit, plan, day))
                if status != "submitted":
                    reviewed = at_local(day + timedelta(days=1), 9 + self.rng.random())
                    self.at(reviewed, partial(self._review, plan, day, status))

    def _day_statuses(self, w_no: int, past: list[date]) -> dict[date, str]:
        statuses = {d: "approved" for d in past}
        statuses[past[-1]] = "submitted"
        if w_no % 2:
            statuses[past[-2]] = "submitted"
        if w_no in (1, 4):
            statuses[past[-4 if w_no == 1 else -6]] = "returned"
        return statuses

    def _log(self, plan: WorkerPlan, day: date) -> DailyLog:
        return db.session.scalar(
            sa.select(DailyLog).where(DailyLog.worker_id == plan.user.id, DailyLog.day == day)
        )

    def _submit(self, plan: WorkerPlan, day: date) -> None:
        review.submit(self._log(plan, day), plan.user)

    def _review(self, plan: WorkerPlan, day: date, status: str) -> None:
        log = self._log(plan, day)
        if status == "approved":
            review.approve(log, plan.secretary)
        else:
            comment = texts.DAY_RETURN_COMMENTS[0 if plan.grid.name == "第二网格" else 1]
            review.return_day(log, plan.secretary, comment)

    def _visit(
        self,
        plan: WorkerPlan,
        day: date,
        kind: str,
        resident: Resident | None,
        spec: RequestSpec | None,
    ) -> None:
        rng = self.rng
        elderly = resident is not None and any(
            r.code in texts.ELDERLY_REASONS for r in resident.care_reasons
        )
        project = None
        follow_up = None
        outcome = rng.choices(
            ("done", "needs_follow_up", "not_home", "referred"), weights=(75, 10, 10, 5)
        )[0]
        if kind == "project":
            purpose, project, outcome = "project", plan.project, "done"
        elif kind == "request":
            purpose, outcome = "request", "done"
        elif kind in ("overdue", "due_today"):
            purpose = "elderly_care" if elderly else "follow_up"
            outcome = "needs_follow_up"
            follow_up = self.today - timedelta(days=3) if kind == "overdue" else self.today
        else:
            purpose = rng.choices(
                ("routine", "elderly_care" if elderly else "routine", "screening", "follow_up"),
                weights=(30, 30, 25, 10),
            )[0]
        if purpose in ("screening", "project", "request") and outcome == "not_home":
            outcome = "done"
        if outcome == "needs_follow_up" and follow_up is None:
            follow_up = day + timedelta(days=rng.choice((3, 7, 14)))
        template = None
        if purpose == "screening":
            if elderly and rng.random() < 0.5:
                # A welfare check is an elderly-care visit, as the visit form records it (the
                # same draw as before: the rest of the demo stays as it was).
                purpose, template = "elderly_care", "elderly"
            else:
                template = rng.choices(
                    ("fire", "gas", "electrical", "building", "flood"), weights=(30, 30, 20, 12, 8)
                )[0]
        elif purpose == "project" and rng.random() < 0.5:
            template = "construction"
        if outcome == "not_home":
            summary = rng.choice(texts.VISIT_SUMMARIES["not_home"])
        elif template == "elderly":
            summary = f"{self.templates[template].name_zh}，已了解老人身体和居家情况。"
        elif template and purpose == "screening":
            summary = f"{self.templates[template].name_zh}排查，已向住户讲解注意事项。"
        elif spec is not None:
            summary = f"住户反映：{spec.summary}。已登记并告知办理时限。"
        else:
            summary = rng.choice(texts.VISIT_SUMMARIES[purpose])
        data = {
            "purpose": purpose,
            "summary": summary,
            "outcome": outcome,
            "visited_on": day,
            "follow_up_on": follow_up,
        }
        if project is not None:
            data.update(self._concern(project))
        visit, _created = create_visit(plan.user, data, new_uuid(self.keys), resident, project)
        self.visits.append(visit)
        if template:
            self._screening(visit, plan, template)
        if spec is not None:
            self._register(spec, plan, resident, day, visit)
        if outcome == "done" and self.photos.get(purpose, VISIT_PHOTOS_EACH) < VISIT_PHOTOS_EACH:
            self.photos[purpose] += 1
            scene = "construction" if project else "door"
            self._photo(visit, plan.user, scene, f"{day:%m-%d} {plan.grid.name} 走访")

    def _concern(self, project: Project) -> dict:
        """Every other site visit hears one of the residents' concerns, until all are told."""
        n = self.site_visits.get(project.id, 0)
        self.site_visits[project.id] = n + 1
        rows = CONCERNS[project.name]
        if n % 2 or n // 2 >= len(rows):
            return {}
        code, summary = rows[n // 2]
        factor = self.factors.get((project.id, code)) if code else None
        return {"concern_summary": summary, "concern_factor_id": factor.id if factor else None}

    def _screening(self, visit: Visit, plan: WorkerPlan, code: str) -> None:
        rng = self.rng
        template = self.templates[code]
        run = screening.start(visit, template, new_uuid(self.keys))
        hazard_rate = 0.05 if code == "construction" else 0.02
        for item in template.items:
            draw = rng.random()
            value = "hazard" if draw < hazard_rate else "na" if draw < 0.12 else "ok"
            described = None
            if value == "hazard" and item.concern_value() == "hazard":
                # Saved with its note, as the checklist page saves one.
                note = rng.choice(texts.HAZARD_NOTES[item.default_severity])
                described = (note, item.default_severity, None)
            answer = screening.answer(run, item, value, described=described)
            if answer.hazard is not None:
                self._hazard(answer.hazard, plan)
            elif answer.value == "concern":
                self._referral(visit, answer, plan)
        screening.finish(run)

    def _referral(self, visit: Visit, answer, plan: WorkerPlan) -> None:
        """A welfare item that needs attention is referred to the item's usual service."""
        from ..referrals.services import raise_referral

        item = answer.item
        data = {
            "service_code": item.referral_service,
            "note": f"{item.code} {item.text_zh}",
            "follow_up_on": visit.visited_on + timedelta(days=7),
        }
        raise_referral(plan.user, visit, data, new_uuid(self.keys), answer)
        if self.photos["answer"] < ANSWER_PHOTOS:
            # A photo on a checklist item that is not a hazard (issue 17 item 6).
            self.photos["answer"] += 1
            caption = f"{item.code} {item.text_zh[:14]} · {plan.grid.name}"
            self._photo(answer, plan.user, item.template.code, caption)

    def _hazard(self, hazard: Hazard, plan: WorkerPlan) -> None:
        """A hazard just found (described): photos, and for many the fix a few days later."""
        rng = self.rng
        item = hazard.item
        self.hazards.append(hazard)
        if self.photos["hazard"] < HAZARD_PHOTOS:
            self.photos["hazard"] += 1
            caption = f"{item.code} {item.text_zh[:14]} · {plan.grid.name}"
            self._photo(hazard, plan.user, item.template.code, caption)
        found = hazard.found_on
        department = REPORTED_TO.get(item.template.code)
        if hazard.severity == "S1" and department and rng.random() < 0.5:
            # Beyond the worker's power: reported (上报) the day it was found.
            hazards.report(hazard, plan.user, department, found, "电话上报，已登记")
        age = (self.today - found).days
        if age > 0 and rng.random() < min(0.7, 0.15 + 0.04 * age):
            fixed_on = found + timedelta(days=rng.randint(0, min(age, max(item.default_days, 1))))
            when = max(at_local(fixed_on, 15 + rng.random()), utcnow() + timedelta(hours=1))
            self.at(when, partial(self._rectify, hazard, plan))

    def _rectify(self, hazard: Hazard, plan: WorkerPlan) -> None:
        rng = self.rng
        caption = f"{hazard.item.code} 整改后 {local_today():%m-%d}"
        self._photo(hazard, plan.user, hazard.item.template.code, caption, fixed=True)
        hazards.rectify(hazard, plan.user, rng.choice(texts.RECTIFIED_NOTES))
        fixed_on = hazard.rectified_on
        if (self.today - fixed_on).days >= 2 and rng.random() < 0.6:
            verified = at_local(fixed_on + timedelta(days=rng.randint(1, 2)), 10)
            self.at(verified, partial(hazards.verify, hazard, plan.secretary))

    def _photo(self, owner, user: User, scene: str, caption: str, fixed: bool = False) -> None:
        jpeg = draw_scene(self.rng, scene, caption, utcnow(), fixed=fixed)
        add_photos([jpeg], owner, user, new_uuid(self.keys), is_rectification=fixed)
        self.photo_count += 1

    # ---- requests and care tags --------------------------------------------------------

    def _register(
        self,
        spec: RequestSpec,
        plan: WorkerPlan,
        resident: Resident,
        received: date,
        visit: Visit | None,
    ) -> None:
        """Register a request and put the steps it will take on the agenda."""
        rng = self.rng
        # A complaint about an official is decided by the township's liaison (Art. 30).
        secretary = self.inspector if spec.code in RESTRICTED_CATEGORIES else plan.secretary
        req, _created = requests.register(
            resident=resident,
            actor=plan.user,
            channel=spec.channel,
            category_code=spec.code,
            summary=spec.summary,
            received_on=received,
            client_uuid=new_uuid(self.keys),
            visit=visit,
        )
        self.requests.append(req)
        if spec.track == "formal":
            self.at(
                utcnow() + timedelta(minutes=30),
                partial(requests.move_to_formal, req, secretary, received),
            )
        step = rng.randint(1, 3) if spec.track == "community" else rng.randint(3, 10)
        decided = min(received + timedelta(days=step), self.today)
        when = at_local(decided, 15)
        if spec.status == "not_accepted":
            self.at(when, partial(requests.not_accept, req, secretary, decided, spec.reason))
        elif spec.status == "redirected":
            self.at(
                when,
                partial(requests.redirect, req, secretary, decided, spec.redirect, spec.reason),
            )
        elif spec.status in ("accepted", "replied", "closed"):
            actor = secretary if spec.track == "formal" else plan.user
            self.at(when, partial(requests.accept, req, actor, decided))
            if spec.extension:
                on = decided + timedelta(days=55)
                self.at(
                    at_local(on, 15.5),
                    partial(requests.extend, req, secretary, on, 30, spec.extension),
                )
        if spec.status in ("replied", "closed"):
            span = max((self.today - decided).days - 1, 0)
            replied = decided + timedelta(days=rng.randint(0, min(span, 12)))
            self.at(
                at_local(replied, 16), partial(requests.reply, req, secretary, replied, spec.reply)
            )
            if spec.status == "closed":
                on = replied + timedelta(days=2)
                if spec.track == "formal":
                    # A formal matter closes only once the resident's review window has passed.
                    r = request_rules()
                    on = r.add(replied, r.review_days) + timedelta(days=1)
                    if on > self.today:
                        return
                on = min(on, self.today)
                satisfaction = spec.satisfaction or "satisfied"
                self.at(
                    at_local(on, 16.5),
                    partial(requests.follow_up, req, plan.user, on, satisfaction),
                )

    def _tag_open_needs(self) -> None:
        """State the reason on the record of residents with an open hazard at home.

        An open request is never a tag: it is read live from the requests table.
        """
        tags: dict[Resident, set[str]] = {}
        for hazard in self.hazards:
            if hazard.status == "open" and hazard.resident is not None:
                tags.setdefault(hazard.resident, set()).add("home_hazard")
        for resident, codes in sorted(tags.items(), key=lambda kv: kv[0].id):
            have = {c.code for c in resident.care_reasons}
            if codes - have:
                data = {f: getattr(resident, f) for f in RESIDENT_FIELDS}
                update_resident(resident, {**data, "care_reasons": sorted(have | codes)})


REQUESTS = (
    RequestSpec(
        0, "R04", "visit", "community", "accepted", 6, "小区3号楼电梯频繁故障，物业维修不及时"
    ),
    RequestSpec(
        0,
        "R05",
        "visit",
        "community",
        "replied",
        12,
        "顶楼屋面漏水，雨天卧室渗水",
        "已协调物业用维修基金修缮屋面防水，施工已完成。",
    ),
    RequestSpec(0, "R08", "phone", "community", "accepted", 3, "解放路工地夜间施工噪声扰民"),
    RequestSpec(
        1,
        "R06",
        "visit",
        "community",
        "closed",
        20,
        "楼上住户装修，周末早上7点开工",
        "已上门调解，双方约定装修时间为8:00–12:00、14:00–18:00。",
        satisfaction="satisfied",
    ),
    RequestSpec(
        1,
        "R09",
        "walk_in",
        "community",
        "closed",
        16,
        "小区门口路灯损坏三盏",
        "已报城管部门维修，路灯已恢复。",
        satisfaction="satisfied",
    ),
    RequestSpec(
        1, "R15", "walk_in", "formal", "accepted", 5, "反映某工作人员办理证明时推诿、态度恶劣"
    ),
    RequestSpec(2, "R10", "visit", "formal", "accepted", 9, "家人住院医疗费负担重，申请临时救助"),
    RequestSpec(
        2,
        "R18",
        "visit",
        "community",
        "closed",
        8,
        "咨询高龄津贴申领条件",
        "已告知申领条件和所需材料，并协助提交申请。",
        satisfaction="satisfied",
    ),
    RequestSpec(
        2,
        "R01",
        "phone",
        "formal",
        "redirected",
        14,
        "在装修公司打工被拖欠两个月工资",
        reason="属劳动争议，已告知可向劳动人事争议仲裁委员会申请仲裁，并联系劳动监察。",
        redirect="arbitration",
    ),
    RequestSpec(
        3,
        "R17",
        "visit",
        "community",
        "replied",
        10,
        "建议在小区增设电动车集中充电桩",
        "已纳入老旧小区改造方案，计划在4号楼旁建设充电车棚。",
    ),
    RequestSpec(3, "R05", "letter", "formal", "received", 19, "楼道外墙空鼓脱落，担心砸伤行人"),
    RequestSpec(
        3,
        "R16",
        "letter",
        "formal",
        "not_accepted",
        25,
        "房屋买卖纠纷，对法院判决不服",
        reason="该事项已经人民法院依法处理，依照《信访工作条例》第三十一条不予受理，"
        "已告知通过上诉或申请再审解决。",
    ),
    RequestSpec(
        4,
        "R07",
        "visit",
        "community",
        "replied",
        11,
        "子女不履行赡养义务，老人生活困难",
        "社区与人民调解委员会组织家庭调解，子女同意每月支付赡养费。",
    ),
    RequestSpec(
        4,
        "R03",
        "letter",
        "formal",
        "accepted",
        70,
        "对老旧小区改造中拆除违建的补偿有异议",
        extension="需会同区住建局核实原始产权档案，经批准延长办理期限30日。",
    ),
    RequestSpec(4, "R11", "phone", "community", "received", 2, "社区卫生服务站配药种类太少"),
    RequestSpec(
        5,
        "R12",
        "visit",
        "formal",
        "redirected",
        13,
        "房东拒不退还租房押金",
        reason="属民事合同纠纷，已告知可向人民法院起诉或申请人民调解。",
        redirect="court",
    ),
    RequestSpec(
        5,
        "R14",
        "letter",
        "formal",
        "replied",
        45,
        "原厂职工反映企业改制后工龄认定问题",
        "经区人社局核实，已按政策补认工龄，书面答复已送达。",
    ),
    RequestSpec(5, "R02", "visit", "community", "accepted", 4, "单位未足额缴纳社会保险"),
)


# (factor code, description, likelihood, impact, mitigation, owner, status)
ROAD_FACTORS = (
    (
        "P3",
        "路面破碎、切割作业噪声；为减少白天交通影响，部分工序拟夜间施工",
        3,
        2,
        "22:00至次日6:00禁止高噪声作业；确需夜间施工的提前三天公示并办理许可",
        "施工单位项目经理 刘建军",
        "open",
    ),
    (
        "P6",
        "半幅封闭施工，沿线小区出入口和公交站临时调整",
        2,
        2,
        "分段半幅施工，设置临时便道和交通引导员，出入口改造前征求居民意见",
        "交警大队城南中队",
        "open",
    ),
    (
        "P7",
        "开挖和渣土运输扬尘",
        2,
        2,
        "全封闭围挡，雾炮洒水降尘，渣土车密闭运输、出场冲洗",
        "施工单位",
        "mitigated",
    ),
    (
        "P9",
        "分包队伍农民工工资按时足额发放",
        1,
        3,
        "农民工工资专用账户，按月足额发放，公示维权电话",
        "街道劳动保障所",
        "open",
    ),
    (
        "P8",
        "沿街施工安全防护",
        1,
        2,
        "警示标志、夜间警示灯，专职安全员巡查",
        "监理单位",
        "closed",
    ),
)
HOUSING_FACTORS = (
    (
        "P2",
        "燃气、供水管线切改，期间短时停气停水",
        2,
        3,
        "提前三天公告停水停气时间，独居老人逐户告知，安排临时供水",
        "燃气公司和平营业所",
        "open",
    ),
    (
        "P5",
        "外墙和屋面施工振动，老楼墙体可能出现裂缝",
        1,
        3,
        "施工前对住户房屋拍照存档，设置沉降观测点，发现裂缝及时鉴定",
        "监理单位",
        "open",
    ),
    (
        "P3",
        "拆除旧窗、凿除外墙空鼓噪声",
        2,
        1,
        "只在8:00–12:00、14:00–18:00作业",
        "施工单位",
        "open",
    ),
    (
        "P12",
        "加装电梯费用分摊说法不一",
        1,
        2,
        "每周在小区公告栏公示进度和费用方案，设立意见箱",
        "和平社区居委会",
        "mitigated",
    ),
)
ROAD_FINDINGS = (
    ("legality", "met", "规划许可、施工许可手续齐全"),
    ("reasonableness", "met", "居民多次反映路面破损，改造呼声高"),
    ("feasibility", "met", "资金已落实，工期安排合理"),
    ("controllability", "partly_met", "夜间施工噪声可能引发投诉，需提前沟通"),
    ("safety_environment", "partly_met", "扬尘和交通组织需重点管控"),
)
HOUSING_FINDINGS = (
    ("legality", "met", "列入市老旧小区改造计划"),
    ("reasonableness", "met", "九成以上住户签字同意"),
    ("feasibility", "partly_met", "部分住户对加装电梯费用分摊有不同意见"),
    ("controllability", "met", "设立现场议事点，问题能及时化解"),
    ("safety_environment", "partly_met", "管线切改期间的燃气安全"),
)
# What residents told the workers on site visits, by project: (factor code or None, summary).
CONCERNS = {
    "解放路路面改造工程": (
        ("P3", "夜间22点后仍有切割作业，影响休息"),
        ("P6", "施工车辆占用小区出入口，老人出行不便"),
        ("P7", "路面开挖后扬尘大，晾晒衣物受影响"),
    ),
    "和平里老旧小区综合改造": (
        ("P2", "担心燃气管线切改期间停气时间过长，老人做饭不便"),
        ("P5", "外墙施工后卧室墙面出现细小裂缝，希望派人查看"),
        (None, "对加装电梯费用分摊方案有疑问，希望开会说明"),
    ),
}


# ---- clearing -------------------------------------------------------------------------


def clear_demo(echo=print) -> None:
    """Delete every demo record, user and photo; audit events stay (they are append-only)."""
    with write_intent():
        township_ids = sorted(
            set(
                db.session.scalars(
                    sa.select(User.township_id).where(
                        User.is_demo.is_(True), User.township_id.is_not(None)
                    )
                )
            )
        )
        removed, retired, photo_keys = clear_townships(
            township_ids, sa.select(User.id).where(User.is_demo.is_(True))
        )
        if township_ids or removed or retired:
            record(
                "demo_cleared",
                "township",
                ",".join(map(str, township_ids)),
                {"users_removed": removed, "users_retired": retired},
            )
        db.session.commit()
        db.session.expunge_all()  # the bulk deletes left the old rows in the identity map
    deleted_files = _delete_photo_files(photo_keys)
    echo(
        f"Demo data removed: {len(township_ids)} township(s), {removed} users"
        + (f", {retired} users kept switched off (audit events refer to them)" if retired else "")
        + f", {deleted_files} photo files."
    )


def clear_townships(township_ids: list[int], demo_users) -> tuple[int, int, list[str]]:
    """Delete the townships' places and records and the given demo users (not committed)."""
    community_ids = sa.select(Community.id).where(Community.township_id.in_(township_ids))
    grid_ids = sa.select(Grid.id).where(Grid.community_id.in_(community_ids))
    _refuse_mixed_townships(township_ids, community_ids, grid_ids)
    photo_keys = _delete_records(community_ids, grid_ids, demo_users)
    removed, retired = _delete_users(demo_users)
    # The bulk deletes went past the session: the roll-ups are counted again (and keep no
    # row of the grids about to go).
    from ..tallies.rollups import rebuild

    rebuild(db.session)
    db.session.execute(sa.delete(Grid).where(Grid.community_id.in_(community_ids)))
    db.session.execute(sa.delete(Community).where(Community.township_id.in_(township_ids)))
    db.session.execute(sa.delete(Township).where(Township.id.in_(township_ids)))
    return removed, retired, photo_keys


def _refuse_mixed_townships(township_ids, community_ids, grid_ids) -> None:
    """Never delete a township in which real (non-demo) users work."""
    in_scope = sa.or_(
        User.township_id.in_(township_ids),
        User.community_id.in_(community_ids),
        User.id.in_(sa.select(user_grids.c.user_id).where(user_grids.c.grid_id.in_(grid_ids))),
    )
    real = db.session.scalars(
        sa.select(User.username).where(in_scope, User.is_demo.is_(False)).order_by(User.username)
    ).all()
    if real:
        raise click.ClickException(
            "Demo township has non-demo users; nothing removed: " + ", ".join(real)
        )


def _delete_records(community_ids, grid_ids, demo_users) -> list[str]:
    """Delete the field records of the demo places, children first; return photo file keys."""
    s = db.session
    visit_ids = sa.select(Visit.id).where(
        sa.or_(Visit.grid_id.in_(grid_ids), Visit.worker_id.in_(demo_users))
    )
    project_ids = sa.select(Project.id).where(Project.community_id.in_(community_ids))
    request_ids = sa.select(Request.id).where(Request.grid_id.in_(grid_ids))
    photos = sa.or_(Photo.grid_id.in_(grid_ids), Photo.uploaded_by_id.in_(demo_users))
    keys = sorted(
        {
            k
            for row in s.execute(sa.select(Photo.sha256, Photo.thumb_sha256).where(photos))
            for k in row
        }
    )
    s.execute(sa.delete(Photo).where(photos))
    s.execute(sa.delete(Hazard).where(Hazard.grid_id.in_(grid_ids)))
    s.execute(sa.delete(Referral).where(Referral.grid_id.in_(grid_ids)))
    s.execute(sa.delete(RequestEvent).where(RequestEvent.request_id.in_(request_ids)))
    s.execute(sa.delete(Request).where(Request.grid_id.in_(grid_ids)))
    s.execute(sa.delete(Concern).where(Concern.project_id.in_(project_ids)))
    screening_ids = sa.select(Screening.id).where(Screening.visit_id.in_(visit_ids))
    s.execute(sa.delete(Answer).where(Answer.screening_id.in_(screening_ids)))
    s.execute(sa.delete(Screening).where(Screening.visit_id.in_(visit_ids)))
    s.execute(sa.delete(Visit).where(Visit.id.in_(visit_ids)))
    s.execute(sa.delete(Assessment).where(Assessment.project_id.in_(project_ids)))
    s.execute(sa.delete(RiskFactor).where(RiskFactor.project_id.in_(project_ids)))
    s.execute(sa.delete(Project).where(Project.id.in_(project_ids)))
    resident_ids = sa.select(Resident.id).where(Resident.grid_id.in_(grid_ids))
    s.execute(
        sa.delete(resident_care_reasons).where(
            resident_care_reasons.c.resident_id.in_(resident_ids)
        )
    )
    s.execute(sa.delete(Resident).where(Resident.grid_id.in_(grid_ids)))
    s.execute(sa.delete(Household).where(Household.grid_id.in_(grid_ids)))
    s.execute(sa.delete(Handover).where(Handover.community_id.in_(community_ids)))
    s.execute(
        sa.delete(DailyLog).where(
            sa.or_(DailyLog.community_id.in_(community_ids), DailyLog.worker_id.in_(demo_users))
        )
    )
    return keys


def _delete_users(demo_users) -> tuple[int, int]:
    """Delete the demo users; switch off those the audit trail refers to.

    The append-only trigger on audit_events also refuses the ON DELETE SET NULL that deleting
    a user would cause, so a demo user who logged in (and so is named in the audit trail)
    cannot be deleted: they are renamed, switched off and left without a usable password.
    """
    s = db.session
    s.execute(sa.delete(UserSession).where(UserSession.user_id.in_(demo_users)))
    s.execute(sa.delete(user_grids).where(user_grids.c.user_id.in_(demo_users)))
    audited = sa.select(AuditEvent.user_id).where(AuditEvent.user_id.is_not(None))
    retired = s.execute(
        sa.update(User)
        .where(
            User.id.in_(demo_users),
            User.id.in_(audited),
            User.username.not_like(f"{RETIRED_PREFIX}%"),
        )
        .values(
            username=sa.literal(RETIRED_PREFIX) + sa.cast(User.id, sa.String),
            active=False,
            password_hash=UNUSABLE_HASH,
            township_id=None,
            community_id=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    removed = s.execute(
        sa.delete(User)
        .where(User.id.in_(demo_users), User.id.not_in(audited))
        .execution_options(synchronize_session=False)
    ).rowcount
    s.expire_all()
    return removed, retired


def _delete_photo_files(keys: list[str]) -> int:
    """Remove the image files no remaining photo points to."""
    from .images import delete_unreferenced_files

    return delete_unreferenced_files(keys)
