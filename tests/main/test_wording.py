"""Words that must read right in both languages: contexts, colons, dates, reference text."""

import ast
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from app.labels import LABELS, label

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"


@pytest.mark.parametrize(
    ("group", "value", "zh", "en"),
    [
        ("hazard_status", "open", "待整改", "Open"),
        ("risk_status", "open", "未缓解", "Open"),
        ("risk_status", "closed", "已关闭", "Closed"),
        ("request_status", "closed", "已办结", "Closed"),
        ("audit_action", "resident_viewed", "查看居民档案", "Resident record viewed"),
    ],
)
def test_one_english_word_gets_the_chinese_its_context_needs(app, group, value, zh, en):
    with app.test_request_context(), force_locale("zh_Hans"):
        assert label(group, value) == zh
    with app.test_request_context(), force_locale("en"):
        assert label(group, value) == en


def _audit_codes() -> set[str]:
    """Every action code the app passes to record(), record_later() or record_read()."""
    codes: set[str] = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and node.args
                and getattr(node.func, "id", None) in ("record", "record_later", "record_read")
            ):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.JoinedStr):  # f"request_{kind}": one per request event
                prefix = arg.values[0].value
                codes |= {f"{prefix}{kind}" for kind in LABELS["request_event"]}
            else:
                codes |= {
                    n.value
                    for n in ast.walk(arg)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                }
    return codes


def test_every_audit_action_has_a_label():
    codes = _audit_codes()
    assert {"login", "resident_viewed", "user_deactivated", "request_followed_up"} <= codes
    assert codes - set(LABELS["audit_action"]) == set()


def test_no_english_colon_after_a_translated_label_in_templates():
    """The colon belongs inside the translated string, so Chinese pages get "："."""
    bad = []
    for path in (ROOT / "templates").rglob("*.html"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\}\}\s*:|</strong>\s*:", line):
                bad.append(f"{path.relative_to(ROOT)}:{n}")
    assert bad == []


def test_typical_action_in_the_pages_language_as_advice(
    client, world, login_as, make_hazard, make_resident
):
    hazard = make_hazard(resident=make_resident(), returned_comment="照片看不清")
    login_as(world.worker_a)
    en = client.get(f"/hazards/{hazard.id}?lang=en").text
    assert f"Typical action: {hazard.item.action_en}" in en
    assert hazard.item.action_zh not in en
    zh = client.get(f"/hazards/{hazard.id}?lang=zh").text
    assert f"常见做法：{hazard.item.action_zh}" in zh
    assert hazard.item.action_en not in zh
    assert "退回意见：照片看不清" in zh


def test_every_typical_action_advises_or_reports_and_never_orders_or_fines(app):
    """Grid workers observe, advise, record and report; they do not enforce (DOMAIN.md)."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import ChecklistItem

    items = db.session.scalars(sa.select(ChecklistItem)).all()
    assert len(items) == 99
    for item in items:
        assert item.action_zh, item.code
        assert item.action_en, item.code
        assert not re.search("责令|罚款|处罚|勒令|强制|没收|查封", item.action_zh), item.code
        assert not re.search(r"\b(order|orders|fine|fines|penalt|must)\b", item.action_en, re.I), (
            item.code
        )


# WTForms validators whose message, when none is given, is WTForms' own ("This field is
# required.", "Field cannot be longer than 2000 characters."), naming no field.
_GENERIC = {"DataRequired", "InputRequired", "Length", "NumberRange", "Regexp", "EqualTo"}


def _generic_validator_calls() -> list[str]:
    found = []
    for path in APP.rglob("*.py"):
        if path.name == "validators.py" and path.parent == APP:
            continue  # where the named helpers (Required, RequiredInput, Chars) are made
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in _GENERIC:
                continue
            # message is a keyword, or the last positional argument (EqualTo's second).
            positional = {"DataRequired": 1, "InputRequired": 1, "EqualTo": 2, "Regexp": 3}
            has_message = any(k.arg == "message" for k in node.keywords) or (
                len(node.args) >= positional.get(name, 99)
            )
            if not has_message:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return found


def test_no_form_field_shows_wtforms_generic_required_or_length_message():
    """Every required or length-limited field says which field and what to do, in both
    languages: app.validators.Required / RequiredInput / Chars, or its own message."""
    assert _generic_validator_calls() == []


@pytest.mark.parametrize(
    ("lang", "required", "too_long"),
    [
        ("en", "Fill in “Name”.", "“Name” takes at most 200 characters; this has 10,000."),
        ("zh", "请填写“项目名称”。", "“项目名称”最多 200 字，现在是 10,000 字。"),
    ],
)
def test_required_and_length_messages_name_the_field_in_the_pages_language(
    client, world, login_as, lang, required, too_long
):
    login_as(world.secretary_a)
    data = {"name": "", "kind": "road_works", "status": "planned"}
    assert required in client.post(f"/projects/new?lang={lang}", data=data).text
    data["name"] = "x" * 10_000
    assert too_long in client.post(f"/projects/new?lang={lang}", data=data).text


def test_a_moment_is_written_with_the_pages_date_and_the_time_to_the_minute(app):
    """One way to write a date on every page: a moment's date reads as a day's does."""
    from datetime import datetime

    moment = datetime(2026, 12, 6, 20, 30)  # stored UTC: the next morning in the township
    render = app.jinja_env.from_string("{{ m|dt }} / {{ m|dt('time') }}").render
    with app.test_request_context(), force_locale("en"):
        assert render(m=moment) == "Dec 7, 2026, 4:30\u202fAM / 4:30\u202fAM"  # CLDR's narrow space
    with app.test_request_context(), force_locale("zh_Hans"):
        assert render(m=moment) == "2026年12月7日 04:30 / 04:30"


def test_a_small_count_is_never_called_a_decimal_in_chinese():
    """小数 is a decimal fraction: a hidden 1 or 2 is a 小数目 (the township read it wrong)."""
    from babel.messages.pofile import read_po

    with (APP / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    wrong = [m.id for m in catalogue if m.string and re.search(r"小数(?!目|点)", str(m.string))]
    assert wrong == []
