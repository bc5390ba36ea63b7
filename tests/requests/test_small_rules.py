"""Issue 15 item 7: the civil court's limitation wording, sane community targets, China dates."""

import uuid
from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale, format_date
from markupsafe import escape

from app.config import ConfigError, load_config
from app.extensions import db
from app.refusals import Refusal
from app.requests import services
from app.requests.deadlines import CIVIL_COURT_LIMIT, REDIRECT_LIMITS, redirect_limit, rules
from app.requests.forms import AcceptForm
from app.requests.models import Request
from app.timeutil import clock_at, day_start_utc, local_today


@pytest.fixture(autouse=True)
def _english(app):
    with force_locale("en"):
        yield


@pytest.mark.parametrize(
    ("category", "channel", "says", "never"),
    [
        ("R16", "court", "Civil Code Art. 188", "6 months"),
        ("R06", "court", "3 years", "administrative act"),
        ("R03", "court", "6 months of learning of the administrative act", "Civil Code"),
        ("R10", "admin_reconsideration", "60 days", "Civil Code"),
        ("R01", "arbitration", "1 year", "6 months"),
        # Civil and labour disputes in court are not suits against an administrative act.
        ("R05", "court", "Civil Code Art. 188", "administrative act"),
        ("R01", "court", "within 15 days of receiving it", "administrative act"),
        ("R02", "court", "labour arbitration before a court", "administrative act"),
        ("R10", "court", "6 months of learning of the administrative act", "Civil Code"),
        # Categories whose court case may be either kind: no limit rather than a wrong one.
        ("R09", "court", "legal-aid office (12348)", "administrative act"),
        ("R08", "court", "depends on the kind of case", "6 months"),
        ("R14", "court", "depends on the kind of case", "Civil Code"),
        # Only a labour dispute goes to labour arbitration; others need an agreement.
        ("R12", "arbitration", "arbitration agreement", "Labour"),
        ("R12", "arbitration", "legal-aid office (12348)", "1 year"),
        ("R02", "arbitration", "Labour arbitration: apply within 1 year", "agreement"),
    ],
)
def test_the_redirect_limit_matches_the_kind_of_dispute(category, channel, says, never):
    req = Request(category_code=category, redirect_channel=channel)
    text = str(redirect_limit(req))
    assert says in text
    assert never not in text


def test_a_civil_dispute_sent_to_court_shows_the_civil_wording_on_page_and_notice(
    world, make_request, login_as, client
):
    req = make_request(category="R16", track="formal", status="redirected")
    req.formal_on = req.decided_on = req.received_on
    req.redirect_channel, req.decision_reason = "court", "A judgment is being appealed."
    db.session.commit()
    login_as(world.secretary_a)
    html = client.get(f"/requests/{req.id}").get_data(as_text=True)
    with force_locale("zh_Hans"):
        civil, administrative = str(CIVIL_COURT_LIMIT), str(REDIRECT_LIMITS["court"])
    assert civil != str(CIVIL_COURT_LIMIT)  # the page speaks Chinese, the test English
    assert html.count(escape(civil)) == 2  # on the record and in the notice to the resident
    assert escape(administrative) not in html


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"GRIDBOOK_REQUEST_ACK_DAYS": "0"},
            "GRIDBOOK_REQUEST_ACK_DAYS=0: must be between 1 and 60",
        ),
        ({"GRIDBOOK_REQUEST_RESOLVE_DAYS": "61"}, "between 1 and 60"),
        ({"GRIDBOOK_REQUEST_RESOLVE_DAYS": "-5"}, "between 1 and 60"),
        ({"GRIDBOOK_REQUEST_ACK_DAYS": "three"}, "whole number of days"),
        (
            {"GRIDBOOK_REQUEST_ACK_DAYS": "20", "GRIDBOOK_REQUEST_RESOLVE_DAYS": "10"},
            "later than GRIDBOOK_REQUEST_RESOLVE_DAYS=10",
        ),
    ],
)
def test_community_targets_from_the_environment_are_checked(monkeypatch, tmp_path, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


@pytest.mark.parametrize(("ack", "resolve"), [("1", "1"), ("5", "60"), (" 3 ", "15")])
def test_sensible_targets_are_taken(monkeypatch, tmp_path, ack, resolve):
    monkeypatch.setenv("GRIDBOOK_REQUEST_ACK_DAYS", ack)
    monkeypatch.setenv("GRIDBOOK_REQUEST_RESOLVE_DAYS", resolve)
    targets = load_config(tmp_path)["REQUEST_COMMUNITY_TARGETS"]
    assert targets == {"acknowledge": int(ack), "resolve": int(resolve)}


def test_a_step_at_2330_utc_is_dated_the_next_china_day(world, make_resident, in_request):
    """23:30 UTC on 1 March is 07:30 on 2 March in China: the step belongs to 2 March."""
    with clock_at(datetime(2026, 3, 1, 23, 30)):
        assert local_today() == date(2026, 3, 2)
        assert AcceptForm(meta={"csrf": False}).on.data == date(2026, 3, 2)
        req, _ = services.register(
            resident=make_resident(),
            actor=world.worker_a,
            channel="phone",
            category_code="R04",
            summary="No hot water since Monday.",
            received_on=date(2026, 3, 2),  # the UTC date is still 1 March: not "future"
            client_uuid=str(uuid.uuid4()),
        )
        with pytest.raises(Refusal, match="future"):
            services.accept(req, world.worker_a, date(2026, 3, 3))
        services.accept(req, world.worker_a, date(2026, 3, 2))
    ack = req.events[-1]
    assert (ack.kind, ack.on_date, ack.backfilled) == ("acknowledged", date(2026, 3, 2), False)
    assert ack.created_at == datetime(2026, 3, 1, 23, 30)
    assert req.accepted_on == date(2026, 3, 2)


@pytest.mark.parametrize(
    ("channel", "phrase"),
    [
        ("court", "decided through a court, not"),
        ("arbitration", "decided through arbitration, not"),
        ("admin_reconsideration", "decided through administrative reconsideration, not"),
    ],
)
def test_the_redirect_notice_names_the_channel_in_sentence_form(
    world, make_request, login_as, client, channel, phrase
):
    req = make_request(category="R03", track="formal", status="redirected")
    req.formal_on = req.decided_on = req.received_on
    req.redirect_channel, req.decision_reason = channel, "A matter for a legal channel."
    db.session.commit()
    login_as(world.secretary_a)
    html = client.get(f"/requests/{req.id}?lang=en").get_data(as_text=True)
    assert phrase in html
    assert "through Court" not in html
    assert "to Court." not in html  # the clock line names the channel in a sentence too


def _redirected(make_request, category, channel):
    req = make_request(category=category, track="formal", status="redirected")
    req.formal_on = req.decided_on = req.received_on
    req.redirect_channel, req.decision_reason = channel, "A matter for a legal channel."
    db.session.commit()
    return req


def test_a_consumer_dispute_sent_to_arbitration_is_not_told_labour_arbitration(
    world, make_request, login_as, client
):
    req = _redirected(make_request, "R12", "arbitration")
    login_as(world.secretary_a)
    notice = client.get(f"/requests/{req.id}?lang=zh").text.split('id="notice-redirected"')[1]
    assert "仲裁协议" in notice
    assert "劳动争议" not in notice
    assert "1年" not in notice


@pytest.mark.parametrize("channel", ["court", "arbitration"])
def test_unpaid_wages_are_told_the_year_does_not_run_during_employment(
    world, make_request, login_as, client, channel
):
    req = _redirected(make_request, "R01", channel)
    login_as(world.secretary_a)
    page = client.get(f"/requests/{req.id}?lang=zh").text
    notice = page.split('id="notice-redirected"')[1]
    assert "劳动关系存续期间因拖欠劳动报酬" in notice
    assert "自劳动关系终止之日起1年内" in notice
    assert page.count("劳动关系存续期间因拖欠劳动报酬") == 2  # on the record and the notice
    # Other labour disputes keep the plain 1 year: the rule is about wages only.
    other = _redirected(make_request, "R02", channel)
    assert "劳动关系存续期间" not in client.get(f"/requests/{other.id}?lang=zh").text


def test_a_labour_dispute_sent_to_court_opens_with_arbitration_then_court(
    world, make_request, login_as, client
):
    req = _redirected(make_request, "R01", "court")
    login_as(world.secretary_a)
    page = client.get(f"/requests/{req.id}?lang=zh").text
    assert "属于应当通过劳动争议仲裁和诉讼途径依法解决的事项" in page
    assert "通过诉讼途径" not in page
    assert "已引导至劳动争议仲裁和诉讼途径" in page
    en = client.get(f"/requests/{req.id}?lang=en").text
    assert "decided through labour arbitration and then a court, not" in en
    # A civil dispute in court still reads "through a court".
    civil = _redirected(make_request, "R06", "court")
    assert "decided through a court, not" in client.get(f"/requests/{civil.id}?lang=en").text


@pytest.mark.parametrize("status", ["redirected", "not_accepted"])
def test_a_decided_formal_matter_no_longer_shows_the_running_clock_rules(
    world, make_request, login_as, client, status
):
    req = _redirected(make_request, "R03", "court")
    req.status = status
    if status == "not_accepted":
        req.redirect_channel = None
    db.session.commit()
    login_as(world.secretary_a)
    page = client.get(f"/requests/{req.id}?lang=zh").text
    assert "日内告知是否受理" not in page
    assert "日内书面答复" not in page
    with force_locale("zh_Hans"):
        since = format_date(req.formal_on, "medium")
    assert f"自{since}起按信访事项程序办理。" in page
    shown = (
        "已引导至诉讼途径，不计信访办理时限。"
        if status == "redirected"
        else "不予受理，不计办理时限。"
    )
    assert shown in page
    # Before the decision the rules are there.
    open_req = make_request(category="R03", track="formal")
    open_req.formal_on = open_req.received_on
    db.session.commit()
    assert "15日内告知是否受理" in client.get(f"/requests/{open_req.id}?lang=zh").text


def _notice_blocks(page: str) -> dict[str, str]:
    blocks = {}
    for part in page.split('<div class="notice" id="notice-')[1:]:
        kind, body = part.split('"', 1)
        blocks[kind] = body.split("</div>")[0]
    return blocks


def _noon(day: date) -> datetime:
    """Midday of `day` in the township, as the server's now (naive UTC)."""
    return day_start_utc(day) + timedelta(hours=12)


# The steps of a formal matter, each taken on its own day (days before today) with its form's
# fields, and the notices it leaves to print, each dated the day of the step it records.
NOTICE_WALKS = {
    "accepted, then extended": (
        [("accept", 30, {}), ("extend", 20, {"days": "10", "reason": "A site survey."})],
        {"acceptance": 30, "extension": 20},
    ),
    "not accepted": (
        [("not-accept", 30, {"reason": "Not a public matter."})],
        {"not_accepted": 30},
    ),
    "redirected": (
        [("redirect", 30, {"channel": "court", "reason": "A contract dispute."})],
        {"redirected": 30},
    ),
    # Once replied, the acceptance and extension notices stay to reprint (they went).
    "replied": (
        [
            ("accept", 30, {}),
            ("extend", 25, {"days": "10", "reason": "A site survey."}),
            ("reply", 20, {"text": "Lift repaired.", "delivery": "handed"}),
        ],
        {"acceptance": 30, "extension": 25, "review": 20},
    ),
    "review answered": (
        [
            ("accept", 40, {}),
            ("reply", 35, {"text": "Lift repaired.", "delivery": "handed"}),
            ("review", 25, {"body": "District office"}),
            ("review-answer", 10, {"outcome": "Upheld."}),
        ],
        {"acceptance": 40, "review": 35, "rereview": 10},
    ),
    "re-review asked": (
        [
            ("accept", 40, {}),
            ("reply", 35, {"text": "Lift repaired.", "delivery": "handed"}),
            ("review", 25, {"body": "District office"}),
            ("review-answer", 10, {"outcome": "Upheld."}),
            ("rereview", 5, {"body": "City office"}),
        ],
        {"acceptance": 40, "review": 35, "rereview": 10},
    ),
}


@pytest.mark.parametrize(("steps", "issued"), NOTICE_WALKS.values(), ids=NOTICE_WALKS)
def test_a_notice_reprinted_on_a_later_day_is_the_letter_first_issued(
    world, make_request, make_resident, login_as, client, server_at, steps, issued
):
    """Each notice names the requester, the request, the issuing office and the day of the step
    it records; printed again today it is word for word the one printed that day (it said the
    day of the reprint as its date of issue)."""
    today = local_today()
    received = today - timedelta(days=45)
    req = make_request(
        resident=make_resident(name="王秀英"),
        track="formal",
        received_on=received,
        formal_on=received,
    )
    login_as(world.secretary_a)
    for slug, days_ago, fields in steps:
        day, prefix = today - timedelta(days=days_ago), slug.replace("-", "_")
        data = {f"{prefix}-on": day.isoformat(), **{f"{prefix}-{k}": v for k, v in fields.items()}}
        with server_at(_noon(day)):
            assert client.post(f"/requests/{req.id}/{slug}", data=data).status_code == 303

    def printed() -> dict:
        return {
            lang: _notice_blocks(client.get(f"/requests/{req.id}?lang={lang}").text)
            for lang in ("zh", "en")
        }

    with server_at(_noon(day)):
        first = printed()
    reprint = printed()
    assert reprint == first
    community = req.grid.community.name
    for lang, to, number, issuer, issued_on in (
        ("zh", "致王秀英：", f"诉求编号：{req.id}", f"出具单位：{community}", "出具日期："),
        ("en", "To 王秀英:", f"Request No. {req.id}", f"Issued by: {community}", "Date of issue: "),
    ):
        # In the order of the steps they record.
        assert list(reprint[lang]) == list(issued)
        for kind, days_ago in issued.items():
            body = reprint[lang][kind]
            assert to in body
            assert number in body
            assert issuer in body
            with force_locale("zh_Hans" if lang == "zh" else "en"):
                on = format_date(today - timedelta(days=days_ago), "long")
            assert f"{issued_on}{on}<" in body


def test_notices_of_steps_past_read_as_on_their_day_the_latest_marked(
    world, make_request, make_resident, login_as, client, server_at
):
    """After the reply, a review and a re-review asked for: the acceptance still promises
    the reply date it gave, the extension its new date, the review rights their window
    from the reply's receipt, the re-review rights theirs from the review's answer (not the
    re-review's answer due, the stage now); the last one is marked as the latest."""
    today = local_today()
    received = today - timedelta(days=80)
    req = make_request(track="formal", received_on=received, formal_on=received)
    login_as(world.secretary_a)
    steps = [
        ("accept", 75, {}),
        ("extend", 70, {"days": "10", "reason": "A site survey."}),
        ("reply", 40, {"text": "Lift repaired.", "delivery": "handed"}),
        ("review", 30, {"body": "District office"}),
        ("review-answer", 20, {"outcome": "Upheld."}),
        ("rereview", 10, {"body": "City office"}),
    ]
    for slug, days_ago, fields in steps:
        day, prefix = today - timedelta(days=days_ago), slug.replace("-", "_")
        data = {f"{prefix}-on": day.isoformat(), **{f"{prefix}-{k}": v for k, v in fields.items()}}
        with server_at(_noon(day)):
            assert client.post(f"/requests/{req.id}/{slug}", data=data).status_code == 303
    r = rules()

    def on(days_ago: int, lang: str, plus: int = 0) -> str:
        with force_locale("zh_Hans" if lang == "zh" else "en"):
            return format_date(r.add(today - timedelta(days=days_ago), plus), "long")

    for lang, says in (
        (
            "en",
            {
                "acceptance": "You will receive a written reply by {}.".format(on(75, "en", 60)),
                "extension": "extended by 10 days, to {}.".format(on(75, "en", 70)),
                "review": "that is by {}.".format(on(40, "en", 30)),
                "rereview": "that is by {}.".format(on(20, "en", 30)),
            },
        ),
        (
            "zh",
            {
                "acceptance": on(75, "zh", 60),
                "extension": on(75, "zh", 70),
                # 至…止: the last day counts (…前 read as "before", a day short, the walk).
                "review": "（即至{}止）".format(on(40, "zh", 30)),
                "rereview": "（即至{}止）".format(on(20, "zh", 30)),
            },
        ),
    ):
        page = client.get(f"/requests/{req.id}?lang={lang}").text
        blocks = _notice_blocks(page)
        assert list(blocks) == ["acceptance", "extension", "review", "rereview"]
        for kind, text in says.items():
            assert text in blocks[kind], (lang, kind)
        latest = "Latest notice" if lang == "en" else "最新告知书"
        assert [k for k, body in blocks.items() if latest in body] == ["rereview"]
        assert page.count("data-print-notice") == 4


def test_a_complaint_about_an_official_is_issued_by_the_township(
    world, make_request, login_as, client
):
    req = make_request(category="R15", track="formal", status="not_accepted")
    req.formal_on = req.decided_on = req.received_on
    req.decision_reason = "A reason."
    db.session.commit()
    login_as(world.inspector)
    notice = _notice_blocks(client.get(f"/requests/{req.id}?lang=en").text)["not_accepted"]
    assert f"Issued by: {req.grid.community.township.name}" in notice
    assert req.grid.community.name not in notice


@pytest.mark.parametrize("published", [True, False])
def test_a_residents_last_day_in_a_year_without_a_holiday_schedule_says_the_rule(
    world, make_request, login_as, client, server_at, monkeypatch, published
):
    """The walk: "…（即2027年1月9日前）", a Saturday, with chinese-calendar holding no 2027
    schedule: the resident was handed a date shorter than the law gives. The notice then says
    that a last day on a rest day runs to the next working day (Civil Code Art. 203)."""
    import app.requests.notices as notices

    today = local_today()
    received = today - timedelta(days=20)
    req = make_request(track="formal", received_on=received, formal_on=received)
    login_as(world.secretary_a)
    for slug, days_ago, fields in (
        ("accept", 18, {}),
        ("reply", 0, {"text": "Lift repaired.", "delivery": "handed"}),
    ):
        day, prefix = today - timedelta(days=days_ago), slug
        data = {f"{prefix}-on": day.isoformat(), **{f"{prefix}-{k}": v for k, v in fields.items()}}
        with server_at(_noon(day)):
            assert client.post(f"/requests/{req.id}/{slug}", data=data).status_code == 303
    until_year = rules().add(today, 30).year
    monkeypatch.setattr(notices, "has_schedule", lambda year: published or year != until_year)
    review = _notice_blocks(client.get(f"/requests/{req.id}?lang=en").text)["review"]
    rule = "If that day is a public holiday or a rest day, the time runs to the end of the next"
    assert (rule in review) is not published
    zh = _notice_blocks(client.get(f"/requests/{req.id}?lang=zh_Hans").text)["review"]
    assert ("顺延至节假日后的第一个工作日" in zh) is not published
