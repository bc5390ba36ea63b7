"""Field checks shared by forms: dates a tired user could mistype, phone numbers, and free
text that must not carry an ID-card number."""

import json
import re
import unicodedata
from datetime import timedelta

from flask_babel import format_date, format_number, gettext
from flask_babel import lazy_gettext as _l
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric
from wtforms.fields import RadioField, SelectFieldBase
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    StopValidation,
    ValidationError,
)

from .timeutil import local_today

# A date this far from today is most likely a mistyped year (2025 for 2026), not a
# slip of a few days: only then is "check the year" the helpful word.
YEAR_OFF_DAYS = 300


class DateWithin:
    """A date no more than `past` days back and `future` days ahead of today.

    One message per mistake, and the last word on the field: a refused date stops the field's
    later checks (the form's own validate_<field>), which would otherwise add a second message
    about the same date. `passed` words a date before today when `past` is 0, for a field
    whose own reason is clearer ("the follow-up cannot be in the past").
    """

    def __init__(self, past: int | None = 365, future: int | None = 0, *, passed=None):
        self.past, self.future, self.passed = past, future, passed

    def __call__(self, form, field):
        # A date already on the record (the form built with obj=) is not refused for having
        # aged: correcting Monday's visit on Thursday keeps Wednesday's follow-up.
        if field.data is None or field.data == field.object_data:
            return
        today = local_today()
        years_off = abs((field.data - today).days) >= YEAR_OFF_DAYS
        if self.future is not None and field.data > today + timedelta(days=self.future):
            raise StopValidation(self.too_late(years_off, today))
        if self.past is not None and field.data < today - timedelta(days=self.past):
            raise StopValidation(self.too_early(years_off, today))

    def too_late(self, years_off: bool, today=None):
        """What a date too far ahead reads as (the year, when it is most likely the year).
        With `today`, it names the last day allowed (phone_checks names it as of the page's
        render: a page kept offline for days names a day that many days off)."""
        if years_off:
            return _l("This date is too far ahead. Check the year.")
        if self.future == 0:
            return _l("This date is in the future.")
        if today is None:
            return _l("This date is more than %(days)s days ahead.", days=self.future)
        return gettext(
            "This date is more than %(days)s days ahead: choose %(latest)s or earlier.",
            days=self.future,
            latest=format_date(today + timedelta(days=self.future)),
        )

    def too_early(self, years_off: bool, today=None):
        """What a date too far back reads as; with `today`, naming the first day allowed:
        "more than 30 days ago" alone leaves the worker counting back on her fingers."""
        if years_off:
            return _l("This date is too far in the past. Check the year.")
        if self.past == 0:
            return self.passed or _l("This date has passed. Choose today or a later day.")
        if today is None:
            return _l("This date is more than %(days)s days ago.", days=self.past)
        return gettext(
            "This date is more than %(days)s days ago: choose %(earliest)s or later.",
            days=self.past,
            earliest=format_date(today - timedelta(days=self.past)),
        )


def _named(field) -> str:
    return str(field.label.text)


def missing_message(field) -> str:
    """What a user reads under an empty required field: what to do, naming the field."""
    if isinstance(field, SelectFieldBase | RadioField):
        return gettext("Choose “%(field)s”.", field=_named(field))
    return gettext("Fill in “%(field)s”.", field=_named(field))


class _NamesTheField:
    """An empty field is refused in words naming it, not WTForms' "This field is required."
    (a form may still give a field its own `message`)."""

    message = None

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except StopValidation:
            if self.message is not None:
                raise
            raise StopValidation(missing_message(field)) from None


class Required(_NamesTheField, DataRequired):
    """DataRequired (whitespace alone is empty) that names the field it refuses."""


class RequiredInput(_NamesTheField, InputRequired):
    """InputRequired (0 counts as given) that names the field it refuses."""


class Chars(Length):
    """At most `max` (and at least `min`) characters, the message naming the field, its
    limits and how long the text is, in the user's number format."""

    def __init__(self, max: int, min: int = -1):
        super().__init__(min=min, max=max)

    def __call__(self, form, field):
        length = len(field.data or "")
        if length <= self.max and length >= self.min:
            return
        # A text already on the record (the form built with obj=) is not refused for a limit
        # younger than it: correcting an old visit's date keeps its long summary. A change to
        # the text meets the limit.
        if isinstance(field.object_data, str) and field.data == stripped(field.object_data):
            return
        raise ValidationError(self.refusal(field, format_number(length)))

    def refusal(self, field, length: str) -> str:
        """What a text of `length` characters (written as the reader writes numbers) reads."""
        words = {
            "field": _named(field),
            "min": format_number(self.min),
            "max": format_number(self.max),
            "length": length,
        }
        if self.min > 0:
            return gettext(
                "“%(field)s” takes %(min)s to %(max)s characters; this has %(length)s.", **words
            )
        return gettext(
            "“%(field)s” takes at most %(max)s characters; this has %(length)s.", **words
        )


PHONE_MAX = 20

# What the user reads under a phone field, by what `phone_fault` found.
PHONE_MESSAGES = {
    "chars": _l("Enter a phone number with digits only, e.g. 13812345678."),
    "short": _l(
        "This phone number is too short: a mobile number has 11 digits; a landline has 7 or "
        "8, and may have its area code and a dash before them (010-12345678)."
    ),
    "long": _l(
        "This phone number is too long: a mobile number has 11 digits, and a landline with its "
        "area code fits in 20 characters."
    ),
    "ends": _l("A phone number begins and ends with a digit, e.g. 13812345678 or 010-12345678."),
    "mobile": _l(
        "A mobile number has 11 digits: check this one. A landline begins with its area code, "
        "0 included (010-12345678)."
    ),
}


# WTForms' own words for an empty required field, translated by its catalogue (field.gettext).
WTFORMS_REQUIRED = "This field is required."


def _missing_words(validator, field) -> str:
    if validator.message is not None:
        return str(validator.message)
    if isinstance(validator, _NamesTheField):
        return missing_message(field)
    return field.gettext(WTFORMS_REQUIRED)


def phone_checks(field) -> str | None:
    """The field's simple rules, with the words the server would refuse it in, as JSON for
    the page (data-check): static/js/outbox.js checks them before it keeps a save in the
    phone's outbox, which the server reads only once the signal is back and the worker has
    left the door. None for a field without such a rule, or of a form that never waits.

    Only what the phone can tell alone: a value missing, a text too long, a date out of
    range (counted from the phone's day: a page kept offline for days would carry a stale
    min/max). The server still decides.
    """
    if not getattr(field, "checked_on_phone", False):
        return None
    checks: dict = {}
    for validator in field.validators:
        if isinstance(validator, DataRequired | InputRequired):
            checks["missing"] = _missing_words(validator, field)
        elif isinstance(validator, Chars):
            checks.update(
                min=max(validator.min, 0),
                max=validator.max,
                long=validator.refusal(field, "{n}"),
            )
        elif isinstance(validator, DateWithin):
            checks["year_off"] = YEAR_OFF_DAYS
            if validator.future is not None:
                checks.update(
                    future=validator.future,
                    late=str(validator.too_late(False, local_today())),
                    late_year=str(validator.too_late(True)),
                )
            if validator.past is not None:
                checks.update(
                    past=validator.past,
                    early=str(validator.too_early(False, local_today())),
                    early_year=str(validator.too_early(True)),
                )
    return json.dumps(checks, ensure_ascii=False) if checks else None


def phone_fault(number: str) -> str | None:
    """What is wrong with a phone number (a key of PHONE_MESSAGES), or None if nothing.

    One rule, taken apart to say which part of it a number breaks: an optional +, then 7 to
    20 digits, spaces and dashes that begin and end with a digit; 20 characters in all (the
    column's width).
    """
    body = number.removeprefix("+")
    if not body or any(ch not in "0123456789 -" for ch in body):
        return "chars"
    if len(number) > PHONE_MAX:
        return "long"
    if len(body) < 7:
        return "short"
    if not (body[0].isdigit() and body[-1].isdigit()):
        return "ends"
    # A number beginning with 1 is a mobile (a landline begins with its area code's 0, or with
    # 2-9 without it): eleven digits, after +86 if given. "1390000777" is one digit short.
    digits = body.replace(" ", "").replace("-", "")
    if number.startswith("+") and digits.startswith("86"):
        digits = digits[2:]
    elif number.startswith("+"):
        return None  # another country's numbering
    if digits.startswith("1") and len(digits) != 11:
        return "mobile"
    return None


class PhoneNumber:
    """A mobile or landline number, refused with what is wrong with it (PHONE_MESSAGES)."""

    # The input's maxlength, as Chars would set it: this check says "too long" itself.
    field_flags = {"maxlength": PHONE_MAX}

    def __call__(self, form, field):
        fault = phone_fault(field.data.strip()) if field.data else None
        if fault is not None:
            raise ValidationError(PHONE_MESSAGES[fault])


phone_number = PhoneNumber()


def stripped(value):
    """Filter: trim surrounding whitespace from text input, line breaks as one character.

    A plain form post sends each line break as CRLF, htmx as LF: counted and stored as they
    came, the same note would be longer by its line count one way than the other (and than
    the count the page shows while typing)."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


# The full-width forms a Chinese input method types for the characters of phone numbers and
# addresses (digits, letters, + - / ( ) #, and its wide space), each as its ASCII character:
# what NFKC makes of them. Not NFKC itself: it also rewrites text a user meant, 第㈠ as
# 第(一), ① as 1, Ⅱ as II, … as ..., and CJK compatibility ideographs; nor the whole
# full-width block, whose ，：！ are Chinese punctuation.
_WIDE = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
_WIDE += "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ＋－／（）＃\u3000"
HALFWIDTH = str.maketrans(_WIDE, "".join(unicodedata.normalize("NFKC", ch) for ch in _WIDE))


def halfwidth(value):
    """Filter: a phone number, an address part or a search as one line of ASCII digits and
    letters, whichever keyboard typed them: full-width forms as ASCII, spaces trimmed, a run
    of them as one."""
    if not isinstance(value, str):
        return value
    return " ".join(value.translate(HALFWIDTH).split())


# Dashes a Chinese keyboard may give for "-" (full-width －, the en and em dashes, the minus
# sign, the small hyphen ﹣), and the dots and slashes people write dates with.
_DATE_MARKS = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63", "-"))
_YEAR_FIRST = re.compile(r"(\d{4})\s*[-/.．。年]\s*(\d{1,2})\s*[-/.．。月]\s*(\d{1,2})\s*日?")


def typed_date(value: str) -> str:
    """A date as typed on any keyboard, made into the 2026-12-05 the date fields read:
    ２０２６－１２－０５, 2026/12/05, 2026.12.05 and 2026年12月5日 all read as 2026-12-05.
    Only year first: 05/12/2026 means a different day to different people, so it stays
    refused."""
    text = halfwidth(value).translate(_DATE_MARKS)
    match = _YEAR_FIRST.fullmatch(text)
    if not match:
        return text
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


# 17 digits and a check character, alone or written in groups ("1101 0519 4912 3100 2X").
_ID_PLAIN = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")
# A lower-case x as typed on a phone too: hide_id_numbers reads the text as it was typed.
_ID_GROUPED = re.compile(r"(?<![0-9])[0-9](?:[ \-]?[0-9]){16}[ \-]?[0-9Xx](?![0-9])")


def is_id_number(number: str) -> bool:
    """A valid 18-digit resident ID number (GB 11643): ISO 7064 MOD 11-2 check character and
    a real birth date, both by python-stdnum's stdnum.cn.ric.

    Not its region check (ric.is_valid): that wants the county code to exist in the birth
    year, but a number carries the code of the place of registration, which can be younger
    than the person, so real numbers would slip through.
    """
    if len(number) != 18 or not number[:17].isdigit() or number[0] == "0":
        return False
    if ric.calc_check_digit(number) != number[17]:
        return False
    try:
        born = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        return False
    return born.year >= 1900 and born <= local_today()


def contains_id_number(text: str | None) -> bool:
    """True if the text holds a valid resident ID number, alone or written in groups."""
    if not text:
        return False
    # Full-width digits and X from a Chinese input method count the same as ASCII ones.
    text = unicodedata.normalize("NFKC", text).upper()
    candidates = {m.group() for m in _ID_PLAIN.finditer(text)}
    candidates |= {re.sub(r"[ -]", "", m.group()) for m in _ID_GROUPED.finditer(text)}
    return any(is_id_number(c) for c in candidates)


def hide_id_numbers(text: str | None, mark: str = "*") -> str:
    """The text with every valid resident ID number in it masked, for a page that shows what
    a sheet held before it is refused or dropped (the import's first row)."""
    if not text:
        return text or ""
    text = unicodedata.normalize("NFKC", text)

    def masked(m: re.Match) -> str:
        number = re.sub(r"[ -]", "", m.group()).upper()
        return mark * len(m.group()) if is_id_number(number) else m.group()

    # Grouped or not: the grouped pattern finds every candidate.
    return _ID_GROUPED.sub(masked, text)


def has_pictographs(text: str | None) -> bool:
    """Emoji and other picture symbols (and the joiners and selectors that build them): no
    one's name holds one, and a notice printed for the resident would carry it."""
    return any(
        unicodedata.category(c) in ("So", "Cs", "Co") or c in "\u200d\ufe0f\ufe0e"
        for c in text or ""
    )


def person_name(form, field) -> None:
    """A person's name as a notice or a list prints it: letters, with the dot of a name like
    阿依古丽·买买提, never a picture symbol."""
    if has_pictographs(field.data):
        raise ValidationError(
            gettext("A name cannot hold emoji or picture symbols: type the name as it is written.")
        )


# The 56 recognised ethnic groups, by the names a note would use. Longest first, so that
# "维吾尔族" is named whole rather than as a part.
_ETHNIC_GROUPS = sorted(
    [
        *("汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗"),
        *("瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山"),
        *("拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌"),
        *("布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克"),
        *("俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春"),
        *("赫哲", "门巴", "珞巴", "基诺"),
    ],
    key=len,
    reverse=True,
)
# "X族" as a person's group, not as part of a place's or an institution's name (回族乡, 满族
# 自治县, 朝鲜族聚居区, 水族馆) nor of another word (家族, 民族团结).
_ETHNICITY = re.compile(
    r"(?<![家民种贵部王氏亲本])(?:" + "|".join(_ETHNIC_GROUPS) + r")族"
    r"(?!乡|镇|村|自治|区|县|州|旗|聚居|馆|箱|中学|小学|学校|医院)"
)
# A person's faith: the religions and their believers by name, and the practice of one.
_RELIGION = re.compile(
    r"佛教徒|天主教徒|基督徒|穆斯林|伊斯兰教|天主教|基督教|东正教|佛教|道教|"
    r"信佛|信教|信主|信基督|信耶稣|信伊斯兰|做礼拜|去清真寺|上清真寺|"
    r"\b(?:muslim|buddhist|christian|catholic|ethnicity|religion)s?\b",
    re.IGNORECASE,
)


def sensitive_category(text: str | None) -> str | None:
    """The words in the text that record a person's ethnicity or religion, which Gridbook
    never keeps (DESIGN.md), or None. A narrow list: the names of groups and faiths as a note
    would put them, not every word near them."""
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text)
    found = _ETHNICITY.search(text) or _RELIGION.search(text)
    return found.group() if found else None


class NoSensitiveCategory:
    """Refuse a note that records a person's ethnicity or religion, naming the words."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and (words := sensitive_category(field.data)):
            raise ValidationError(sensitive_message(words))


def sensitive_message(words: str) -> str:
    return gettext(
        "This text records ethnicity or religion (“%(words)s”). Gridbook keeps neither: "
        "delete it and save again.",
        words=words,
    )


no_sensitive_category = NoSensitiveCategory()


class NoIdNumber:
    """Refuse free text holding a resident ID number: Gridbook keeps none (DESIGN.md)."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and contains_id_number(field.data):
            raise ValidationError(
                _l(
                    "This text contains an ID-card number. Gridbook does not keep ID numbers: "
                    "delete the number and save again."
                )
            )


no_id_number = NoIdNumber()


# What zxcvbn's lists (English, mostly) do not know of passwords common in China: pinyin
# words and the numbers that stand for "I love you" and "for ever". Given as the user's own
# words, each counts as one guess wherever it appears in a password.
COMMON_HERE = (
    "woaini", "iloveyou", "5201314", "1314", "520", "woaini1314", "zhongguo", "beijing",
    "shanghai", "qq123456", "aa123456", "abc123", "a123456", "123456a", "wangluo", "mima",
    "gridbook", "wanggetong", "wangge", "gridbook-demo",  # the demo's password, published
)  # fmt: skip


class GuessablePassword:
    """A new password that zxcvbn scores below 2 (under 10^6 guesses: a common password, a
    keyboard or number run, a word and a year, the username) is refused in words, as NIST
    SP 800-63B asks of a blocklist. The login's throttle stands against the slower guessing
    the rest would need. `others` names the fields whose values are the user's own words; a
    form's `own_words` adds more (the username of a form that has no field for it)."""

    def __init__(self, *others: str):
        self.others = others

    def __call__(self, form, field):
        password = field.data or ""
        if not password:
            return
        own = [str(form[name].data or "") for name in self.others if name in form]
        own += [str(w) for w in getattr(form, "own_words", ()) if w]
        if is_guessable(password, own):
            raise ValidationError(guessable_message())


def is_guessable(password: str, own_words=()) -> bool:
    """Whether zxcvbn scores the password below 2, given the user's own words (their names)."""
    from zxcvbn import zxcvbn

    own = [w for w in own_words if w]
    own += [w for o in own for w in o.split()]
    # zxcvbn's cost grows with the length; a password past 100 characters is no guess.
    return zxcvbn(password[:100], user_inputs=[*own, *COMMON_HERE])["score"] < 2


def guessable_message() -> str:
    return gettext(
        "This password is too easy to guess: a common password, a run of keys or "
        "digits, or a name. Put together a few words that do not usually go together."
    )
