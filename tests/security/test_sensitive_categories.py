"""DESIGN.md: Gridbook records no ethnicity or religion. The text boxes said so under every
box; the walk found "回族，信佛教，常去清真寺" saved in an imported resident's notes. A note
that names a person's ethnic group or faith is refused with the words, as an ID number is; a
place's name (马集回族乡) or a word like 家族 or 民族团结 is not."""

import pytest
import sqlalchemy as sa
from wtforms import TextAreaField

from app.extensions import db
from app.forms import BaseForm
from app.models import Resident
from app.validators import no_sensitive_category, sensitive_category
from tests.residents.test_import import HEADERS, preview, residents, row, xlsx
from tests.security.test_id_numbers import _all_form_classes, _bound_fields, _form_fields


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("回族，信佛教，常去清真寺", "回族"),
        ("老人是维吾尔族，饮食上要注意", "维吾尔族"),
        ("她是汉族", "汉族"),
        ("老两口信佛", "信佛"),
        ("每周日去做礼拜", "做礼拜"),
        ("家里人都是基督徒", "基督徒"),
        ("儿子是穆斯林", "穆斯林"),
        ("Muslim family, prays daily", "Muslim"),
        ("宗教：天主教", "天主教"),
        ("ｈｅ ｉｓ ｂｕｄｄｈｉｓｔ", "buddhist"),  # full-width letters from an IME
        # Words that only look near: places, institutions and other words.
        ("马集回族乡卫生院转来的", None),
        ("满族自治县的亲戚来过", None),
        ("朝鲜族聚居区旁的老楼", None),
        ("家族里没人照顾", None),
        ("参加民族团结月活动", None),
        ("带孙子去水族馆", None),
        ("需要清真餐", None),
        ("清真寺旁的电线老化", None),
        ("信息已核对，信用卡账单", None),
        ("", None),
    ],
)
def test_what_counts_as_recording_ethnicity_or_religion(text, found):
    assert sensitive_category(text) == found


def test_every_text_box_of_every_form_is_read_for_them(app):
    """Walks every form in app/: a new text box cannot miss the check (names and addresses,
    one-line fields, are not read: a township may be 回族乡)."""
    checked = []
    with app.test_request_context():
        for cls in _all_form_classes():
            assert issubclass(cls, BaseForm)
            for field in _bound_fields(cls):
                if isinstance(field, TextAreaField):
                    assert no_sensitive_category in field.validators, cls.__qualname__
                    checked.append(f"{cls.__name__}.{field.name}")
    for name in ("ResidentForm.notes", "VisitForm.summary", "RequestForm.summary"):
        assert name in checked


def test_resident_notes_naming_a_faith_are_refused_and_kept(world, login_as, client, make_resident):
    resident = make_resident()
    login_as(world.worker_a)
    url = f"/residents/{resident.id}/edit"
    form = _form_fields(client.get(url).text)
    form["notes"] = "腿脚不便，信佛，每天念经"
    resp = client.post(url, data=form)
    assert resp.status_code == 200
    assert "这段文字记录了民族或宗教信仰（“信佛”）" in resp.text
    assert "腿脚不便，信佛，每天念经" in resp.text
    db.session.expire_all()
    assert "信佛" not in (db.session.get(Resident, resident.id).notes or "")


def test_an_imported_note_naming_an_ethnic_group_is_a_row_error(client, world, login_as):
    login_as(world.secretary_a)
    data = xlsx([HEADERS, row(notes="回族，信佛教，常去清真寺"), row(name="钱多多", room="505")])
    url, page = preview(client, data)
    assert "备注记录了民族或宗教信仰（“回族”）" in page.text
    assert client.post(url, data={"step": "import"}).status_code == 303
    assert [r.name for r in residents()] == ["钱多多"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 1
