"""Which language a page is in: ?lang=, then the user's choice, then Accept-Language."""

from datetime import date
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from babel.dates import format_interval
from flask import g, request, session
from flask_babel import format_date, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from .urls import local_path, referrer_path

# The languages the pages speak.
LOCALES = ("zh_Hans", "en")
LANG_PARAM = {"zh": "zh_Hans", "zh_Hans": "zh_Hans", "en": "en"}


def requested_lang() -> str | None:
    """The locale asked for with ?lang= on this request, if it is one we speak."""
    return LANG_PARAM.get(request.args.get("lang", ""))


def select_locale() -> str:
    if lang := requested_lang():
        return lang
    user = current_user._get_current_object()
    if user and user.is_authenticated and user.locale:
        return user.locale
    for key in ("lang", "lang_kept"):
        if session.get(key) in LOCALES:
            return session[key]
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"])
    return "en" if best == "en" else "zh_Hans"


def is_english() -> bool:
    return str(get_locale()).startswith("en")


def switch_lang_url(code: str) -> str:
    """This page in the other language: its address with ?lang= set, the rest kept (a bare
    ?lang= sent /visits/new?resident=6 to /visits/new, a 404, and dropped a search or a
    period). A page answering a POST (a form shown again with its errors) is the page the
    form came from. Always a path on this site: a 404 for "/%5Cevil.example" must not link
    to "/\\evil.example", which a browser opens as another site."""
    if request.method == "GET":
        path, query = quote(request.path, safe=_PATH_SAFE), request.query_string.decode()
    else:
        parts = urlsplit(referrer_path() or request.path)
        path, query = quote(unquote(parts.path), safe=_PATH_SAFE), parts.query
    if local_path(path) is None:
        path = "/"
    # A `next` that would leave the site is not carried on (the login page's is refused).
    args = [
        (k, v)
        for k, v in parse_qsl(query, keep_blank_values=True)
        if k != "lang" and (k != "next" or local_path(v) is not None)
    ]
    return f"{path}?{urlencode([*args, ('lang', code)])}"


# What a path keeps as it is when quoted again (RFC 3986 pchar and "/"), all else escaped.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def current_lang_code() -> str:
    """'zh' or 'en', for the <html lang> attribute and ?lang= links."""
    return "en" if is_english() else "zh"


def date_span(start: date, end: date, skeleton: str = "yMMMd", locale: str | None = None) -> str:
    """Two dates as the language writes a span of them, from CLDR's interval patterns: "Dec 1
    – 6, 2026", 2026年12月1日 – 6日; "MMMd": "Dec 1 – 6", 12月1日至6日; "yMMM": months,
    "Dec 2025 – Nov 2026". One day (or month) alone where both ends are the same."""
    return format_interval(start, end, skeleton, locale=locale or get_locale())


class DayInWords:
    """A date inside a message, written as the reader's language writes dates (2026年12月6日,
    Dec 6, 2026) like the page's own dates beside it, not as ISO 2026-12-06. Formatted when
    the message is read, so a lazy message made in a service reads in the user's language."""

    __slots__ = ("value",)

    def __init__(self, value: date):
        self.value = value

    def __str__(self) -> str:
        return format_date(self.value, "medium")

    def __repr__(self) -> str:
        return f"DayInWords({self.value!r})"


def localized(obj, zh_attr: str = "name_zh", en_attr: str = "name_en") -> str:
    """Pick the English or Chinese text of a reference-data row."""
    if obj is None:
        return ""
    return getattr(obj, en_attr) if is_english() else getattr(obj, zh_attr)


def localized_in(lang: str):
    """localized() for a language known beforehand ('en' or 'zh')."""
    english = lang == "en"

    def localized_(obj, zh_attr: str = "name_zh", en_attr: str = "name_en") -> str:
        if obj is None:
            return ""
        return getattr(obj, en_attr) if english else getattr(obj, zh_attr)

    return localized_


class Bilingual:
    """Mixin for reference rows named in Chinese and English (name_zh, name_en columns)."""

    def name(self, locale: str) -> str:
        """The name in `locale`: English for any English locale, otherwise Chinese."""
        return self.name_en if str(locale).startswith("en") else self.name_zh


def remember_lang() -> None:
    """Keep a ?lang= choice: on the user's record when logged in, else in the session."""
    lang = requested_lang()
    if not lang:
        return
    g.lang_changed = True
    session["lang"] = lang
    if current_user.is_authenticated and current_user.locale != lang:
        # ?lang= makes the request a writing one: it commits with the unit of work.
        current_user.locale = lang


def _formatted(ctx, rv: str, variables: dict) -> str:
    # Jinja's new-style gettext: escaped under autoescape, always %-formatted.
    if ctx.eval_ctx.autoescape:
        rv = Markup(rv)  # noqa: S704 -- our own catalogue; the variables are escaped by %
    return rv % variables


def template_gettext() -> dict:
    """gettext, ngettext, pgettext and npgettext bound to this request's translations, and
    `label` remembering the words it gave during the render.

    Given to each render as context: Flask-Babel's globals look the translations up again for
    every string (some ten context-local lookups each, ~190 strings on Today). Macros imported
    without context still reach the globals, which give the same words.
    """
    t = get_translations()
    # Words already given in this render: a list asks for the same ones on every row ("Approve",
    # "%(num)d visits" with the same few numbers), each a catalogue lookup and a %-format.
    said: dict = {}

    @pass_context
    def gettext(ctx, string, **variables):
        if variables:
            return _formatted(ctx, t.ugettext(string), variables)
        key = (string, ctx.eval_ctx.autoescape)
        word = said.get(key)
        if word is None:
            word = said[key] = _formatted(ctx, t.ugettext(string), variables)
        return word

    @pass_context
    def ngettext(ctx, singular, plural, num, **variables):
        if variables or type(num) is not int:
            variables.setdefault("num", num)
            return _formatted(ctx, t.ungettext(singular, plural, num), variables)
        key = (singular, plural, num, ctx.eval_ctx.autoescape)
        word = said.get(key)
        if word is None:
            word = said[key] = _formatted(ctx, t.ungettext(singular, plural, num), {"num": num})
        return word

    @pass_context
    def pgettext(ctx, context, string, **variables):
        variables.setdefault("context", context)
        return _formatted(ctx, t.upgettext(context, string), variables)

    @pass_context
    def npgettext(ctx, context, singular, plural, num, **variables):
        variables.setdefault("context", context)
        variables.setdefault("num", num)
        return _formatted(ctx, t.unpgettext(context, singular, plural, num), variables)

    from .labels import label as label_of

    words: dict = {}

    def label(group: str, value) -> str:
        # The same few codes (purposes, outcomes, statuses) fill every row of a list.
        key = (group, value)
        word = words.get(key)
        if word is None:
            word = words[key] = label_of(group, value)
        return word

    return {
        "gettext": gettext,
        # Jinja's `_` is an alias that looks `gettext` up and calls it through the context
        # again: two context calls for each of a list's hundreds of words instead of one.
        "_": gettext,
        "ngettext": ngettext,
        "pgettext": pgettext,
        "npgettext": npgettext,
        "label": label,
    }
