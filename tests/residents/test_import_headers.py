"""Which field each column of a community's sheet is guessed as, from its header."""

import pytest
from flask_babel import force_locale

from app.residents import importing


def guessed(*headers) -> list[str]:
    """The field each header is guessed as, in a sheet of that header row and one row."""
    return importing.find_columns([list(headers), ["x"] * len(headers)]).guessed


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("住户称呼", "name"),
        ("住户姓名", "name"),
        ("户主", "name"),
        ("称呼", "name"),
        (" 户主姓名 ", "name"),
        ("*姓名", "name"),
        ("姓名＊", "name"),
        ("居民姓名：", "name"),
        ("ＮＡＭＥ", "name"),
        ("Full name", "name"),
        ("门牌地址", "address"),
        ("家庭地址", "address"),
        ("详细地址*", "address"),
        ("Home Address:", "address"),
        ("手机号＊", "phone"),
        ("联系手机", "phone"),
        ("Mobile No.", "phone"),
        ("Phone number", "phone"),
        ("所在网格", "grid"),
        ("Grid name", "grid"),
        ("幢号", "building"),
        ("Building No.", "building"),
        ("Unit No", "unit"),
        ("室号", "room"),
        ("Room No.", "room"),
        ("家庭人口数", "household_size"),
        ("Family size", "household_size"),
        ("关爱类别", "care_reasons"),
        ("Care type", "care_reasons"),
        ("备注说明：", "notes"),
        ("Remarks", "notes"),
    ],
)
def test_common_header_spellings_are_recognised(header, field):
    """Walk: 住户称呼 / 门牌地址 / 电话 found only 电话, and both rows read "missing name"."""
    assert guessed(header) == [field]


def test_the_page_s_own_field_names_are_recognised_in_both_languages(app):
    """A sheet headed with the words the mapping step offers is read as it offers them."""
    for locale in ("zh_Hans", "en"):
        with force_locale(locale):
            for field, label in importing.FIELD_LABELS.items():
                assert guessed(str(label)) == [field], (locale, str(label))


def test_no_header_names_two_fields_and_none_is_a_never_stored_column():
    spellings = [h for names in importing.HEADERS.values() for h in names]
    assert len(spellings) == len(set(spellings))
    assert not importing.DOOR_PLATE & set(spellings)
    for header in [*spellings, *importing.DOOR_PLATE]:
        assert importing.normalise_header(header) == header  # kept as they are looked up
        assert not importing.is_forbidden(header), header


@pytest.mark.parametrize(
    ("headers", "fields"),
    [
        # On its own, 门牌号 is the whole house number (5-1-504) ...
        (["姓名", "门牌号"], ["name", "address"]),
        # ... and beside a building, unit or address column, the door within it.
        (["姓名", "楼栋", "单元", "门牌号"], ["name", "building", "unit", "room"]),
        (["门牌", "单元"], ["room", "unit"]),
        (["姓名", "地址", "门牌号码"], ["name", "address", "room"]),
        # Two columns for one field: the first is imported, the other is the user's to choose.
        (["电话", "手机"], ["phone", ""]),
        (["地址", "门牌地址", "门牌号"], ["address", "", "room"]),
        # A header is matched whole: one naming two fields is left to the user.
        (["姓名电话", "地址电话"], ["", ""]),
    ],
)
def test_one_rule_for_a_header_that_could_mean_two_fields(headers, fields):
    assert guessed(*headers) == fields


@pytest.mark.parametrize(
    "header",
    [
        "身份证号码*",
        "＊身份证号：",
        "公民身份号码",
        "身份号码",
        "证件号码",
        "护照号",
        "ID No.",
        "ＩＤ Number",
        "户主身份证号",
        "备注（身份证号）",
        "联系电话(本人身份证)",
        "民族：",
        "宗教信仰",
        "政治面貌*",
    ],
)
def test_never_stored_columns_are_dropped_in_any_spelling(header):
    """However it is written, and whatever field's name stands beside it, an ID-card number,
    ethnicity, religion or political column is guessed as nothing and dropped."""
    columns = importing.find_columns([["姓名", header], ["张福贵", "110101195003071234"]])
    assert columns.guessed == ["name", ""]
    assert columns.forbidden == [1]
