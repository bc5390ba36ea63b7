"""The Chinese catalogue holds every string the app shows, each one translated."""

import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "app" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """What `make pot` (the README's extraction) finds in the sources today."""
    if shutil.which("make") is None:
        pytest.fail("make is needed to run the project's message extraction")
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(  # noqa: S603 - fixed arguments, our own Makefile
        ["make", "--no-print-directory", "-s", "-C", str(ROOT), "pot", f"POT={pot}"],  # noqa: S607
        check=True,
    )
    return _read(pot)


def test_a_string_from_a_template_macro_reaches_the_catalogue(extracted):
    # templates/_macros/ui.html: Babel skips "_" folders unless they are named. The due
    # badge's words are a request clock's too: what counts is that the macro is a source.
    message = extracted.get("%(num)s day left")
    assert message is not None
    assert message.id == ("%(num)s day left", "%(num)s days left")
    assert "templates/_macros/ui.html" in {path for path, _line in message.locations}
    assert _read(CATALOGUE).get("%(num)s day left").string == ("还剩 %(num)s 天",)


def test_every_string_in_the_sources_is_in_the_catalogue(extracted):
    catalogue = _read(CATALOGUE)
    missing = [
        (m.context, m.id)
        for m in extracted
        if m.id and catalogue.get(m.id, context=m.context) is None
    ]
    assert missing == [], "run `make extract-messages` and translate"


def test_every_string_in_the_catalogue_is_translated():
    untranslated = []
    for m in _read(CATALOGUE):
        if not m.id:
            continue
        texts = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(texts):
            untranslated.append(m.id)
    assert untranslated == []


@pytest.mark.parametrize(
    ("days_left", "en", "zh"),
    [
        (3, "3 days left", "还剩 3 天"),
        (1, "1 day left", "还剩 1 天"),
        (0, "due today", "今天到期"),
        (-1, "1 day overdue", "逾期 1 天"),
        (-4, "4 days overdue", "逾期 4 天"),
    ],
)
def test_the_due_badge_counts_days_in_both_languages(app, days_left, en, zh):
    """The tester's walk read "1 days left" on an English page."""
    macro = app.jinja_env.get_template("_macros/ui.html").module.due
    for locale, said in (("zh_Hans", zh), ("en", en)):
        with app.test_request_context(), force_locale(locale):
            badge = str(macro(days_left)).strip()
        assert badge.endswith(f">{said}</span>"), (locale, badge)


@pytest.mark.parametrize(
    ("lang", "message"), [("zh", "该字段是必填字段。"), ("en", "This field is required.")]
)
def test_wtforms_own_messages_follow_the_page_language(app, lang, message):
    # WTForms' catalogue is read once per process and language (app/forms.py), so a
    # Chinese request and an English one in the same process still get their own words.
    from wtforms import StringField
    from wtforms.validators import DataRequired

    from app.forms import BaseForm

    class Form(BaseForm):
        name = StringField("name", validators=[DataRequired()])

    for _ in range(2):
        with app.test_request_context(f"/?lang={lang}", method="POST", data={"name": ""}):
            form = Form(meta={"csrf": False})
            assert not form.validate()
            assert form.errors["name"] == [message]
