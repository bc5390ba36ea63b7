"""Issue 14 item 8: free text refuses a resident ID number, and says under the box what not to
record."""

import contextlib
import importlib
import pkgutil
import re
import types
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

import app as app_package
from app.extensions import db
from app.forms import BaseForm, takes_text
from app.models import Resident, Visit
from app.validators import contains_id_number, no_id_number

# Valid GB 11643 numbers: region code, birth date and ISO 7064 MOD 11-2 check character.
VALID = ["11010519491231002X", "360426199101010071", "440106198001010019"]


def _check_char(first17: str) -> str:
    """The GB 11643 check character, computed independently of the app's library."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def test_the_sample_numbers_are_valid_by_the_standard():
    for number in VALID:
        assert _check_char(number[:17]) == number[17]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("身份证号 11010519491231002X，已核对", True),
        ("证件360426199101010071", True),
        ("11010519491231002x", True),  # a lower-case x as typed on a phone
        ("３６０４２６１９９１０１０１００７１", True),  # full-width digits from an IME
        ("3604 2619 9101 0100 71", True),
        ("360426-19910101-0071", True),
        # Tianhe district's code (1985) on someone born in 1980: registered there later.
        ("440106198001010019", True),
        ("110105194912310021", False),  # wrong check digit: an order number, say
        ("360426199113010071", False),  # month 13: no birth date
        ("360426209901010076", False),  # born in 2099
        ("1360426199101010071", False),  # 19 digits: part of something longer
        ("13812345678 打过电话", False),
        ("", False),
        ("3号楼2单元漏水，已报物业", False),
    ],
)
def test_contains_id_number(text, found):
    assert contains_id_number(text) is found


def _all_form_classes() -> list[type]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        if module.name.endswith("forms"):
            importlib.import_module(module.name)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return sorted(
        {c for c in below(FlaskForm) if c.__module__.startswith("app.")},
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


def _bound_fields(cls):
    """Every field of a form class, bound as the form would bind it (no __init__ needed)."""
    # Forms that need arguments fail here, but the class-level Meta is built all the same.
    with contextlib.suppress(TypeError):
        cls(meta={"csrf": False})
    meta = cls._wtforms_meta()
    dummy = types.SimpleNamespace(meta=meta)
    for name in dir(cls):
        unbound = getattr(cls, name, None)
        if isinstance(unbound, UnboundField):
            yield meta.bind_field(
                dummy, unbound, {"name": name, "prefix": "", "translations": None}
            )


def test_every_text_field_of_every_form_refuses_an_id_number(app):
    """Walks every form in app/: a new form or field cannot miss the check."""
    classes = _all_form_classes()
    assert len(classes) > 30  # the walk found the forms at all
    checked = []
    with app.test_request_context():
        for cls in classes:
            assert issubclass(cls, BaseForm), f"{cls.__qualname__} must build on BaseForm"
            for field in _bound_fields(cls):
                if takes_text(field):
                    assert no_id_number in field.validators, f"{cls.__qualname__}.{field.name}"
                    checked.append(f"{cls.__name__}.{field.name}")
    # Notes, summaries, replies and concern texts are among them.
    for name in (
        "ResidentForm.notes",
        "VisitForm.summary",
        "VisitForm.concern_summary",
        "RequestForm.summary",
        "ReplyForm.text",
        "ReviewAnswerForm.outcome",
        "HazardForm.note",
        "RectifyForm.note",
        "ReturnForm.comment",
        "RiskFactorForm.mitigation",
        "AssessmentForm.legality_note",
    ):
        assert name in checked


def test_the_check_is_added_once_and_the_class_list_stays_clean(app):
    from app.residents.forms import ResidentForm

    with app.test_request_context():
        for _ in range(3):
            form = ResidentForm(meta={"csrf": False})
            assert form.notes.validators.count(no_id_number) == 1
        assert no_id_number not in ResidentForm.notes.kwargs.get("validators", [])


def test_resident_notes_with_an_id_number_are_refused_and_kept(
    world, login_as, client, make_resident
):
    resident = make_resident()
    login_as(world.worker_a)
    url = f"/residents/{resident.id}/edit"
    page = client.get(url).get_data(as_text=True)
    notes = "腿脚不便，身份证 11010519491231002X"
    form = _form_fields(page)
    form["notes"] = notes
    resp = client.post(url, data=form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "不保存身份证号" in html
    assert notes in html  # nothing typed is lost
    db.session.expire_all()
    assert "11010519491231002X" not in (db.session.get(Resident, resident.id).notes or "")
    form["notes"] = "腿脚不便，需要扶手"
    assert client.post(url, data=form).status_code == 303
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).notes == "腿脚不便，需要扶手"


def test_a_visit_summary_with_an_id_number_is_refused_in_english_too(
    world, login_as, client, make_resident
):
    resident = make_resident()
    login_as(world.worker_a)
    page = client.get(f"/visits/new?resident={resident.id}&lang=en").get_data(as_text=True)
    form = _form_fields(page)
    form.update(summary="Checked the boiler. ID 3604 2619 9101 0100 71", purpose="routine")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Visit))
    resp = client.post("/visits?lang=en", data=form)
    html = resp.get_data(as_text=True)
    assert "Gridbook does not keep ID numbers" in html
    assert "3604 2619 9101 0100 71" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == before


def _form_fields(html: str) -> dict:
    """The named inputs of the first form posting to the page, with their values."""
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        fields[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"', body) or re.search(
            r'<option[^>]*value="([^"]*)"[^>]*selected', body
        )
        if chosen:
            fields[name] = chosen.group(1)
    return fields


HINT_ZH = "请勿记录身份证号、民族、宗教信仰，以及本人的行踪去向。"
HINT_EN = "Do not record ID numbers, ethnicity, religion, or where the person is or goes."


@pytest.mark.parametrize(("lang", "hint"), [("zh_Hans", HINT_ZH), ("en", HINT_EN)])
def test_every_text_box_on_the_resident_and_visit_forms_carries_the_hint(
    world, login_as, client, make_resident, lang, hint
):
    resident = make_resident()
    login_as(world.worker_a)
    for url in (f"/residents/{resident.id}/edit?", f"/visits/new?resident={resident.id}&"):
        html = client.get(f"{url}lang={lang}").get_data(as_text=True)
        boxes = re.findall(r'<textarea[^>]*id="([^"]+)"', html)
        assert boxes, url
        for box in boxes:
            assert re.search(rf'id="{box}-privacy"[^>]*>{re.escape(hint)}<', html), (url, box)
            assert re.search(rf'<textarea[^>]*aria-describedby="[^"]*{box}-privacy', html)


def test_every_hand_written_text_box_in_the_templates_carries_the_hint():
    """Boxes written out by hand, not through the field() macro, call privacy_hint()."""
    root = Path(__file__).resolve().parents[2] / "templates"
    for path in root.rglob("*.html"):
        if path.parent.name == "_macros":
            continue
        source = path.read_text()
        boxes = len(re.findall(r"<textarea\b", source))
        assert source.count("privacy_hint(") >= boxes, path
