"""A form that may wait in the phone's outbox carries its simple rules into the page
(data-check), in the words the server refuses the same input with: the phone checks a save
before it keeps it, since the server reads it only once the signal is back."""

import json
from html.parser import HTMLParser

import pytest

from app.timeutil import local_today
from tests.dates import Days
from tests.outbox_fixtures import visit_data


class _Checks(HTMLParser):
    """Each field's data-check by field name (a radio group's sits on its fieldset)."""

    def __init__(self):
        super().__init__()
        self.checks: dict[str, dict] = {}
        self.group: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "fieldset" and "data-check" in a:
            self.group = json.loads(a["data-check"])
        elif tag == "input" and a.get("type") == "radio" and self.group is not None:
            self.checks[a["name"]] = self.group
            self.group = None
        elif "data-check" in a:
            self.checks[a["name"]] = json.loads(a["data-check"])


def checks_in(html: str) -> dict[str, dict]:
    parser = _Checks()
    parser.feed(html)
    return parser.checks


def _errors(html: str) -> set[str]:
    import re

    return set(re.findall(r'<small class="error"[^>]*>([^<]*)</small>', html))


# (what is sent, the field, which of its checks, the length to put in a length message)
VISIT_CASES = [
    ({"outcome": ""}, "outcome", "missing", None),
    ({"purpose": ""}, "purpose", "missing", None),
    ({"visited_on": ""}, "visited_on", "missing", None),
    ({"visited_on": Days(+1).iso}, "visited_on", "late", None),
    ({"visited_on": Days(+400).iso}, "visited_on", "late_year", None),
    ({"visited_on": Days(-31).iso}, "visited_on", "early", None),
    ({"follow_up_on": Days(-1).iso}, "follow_up_on", "early", None),
    ({"follow_up_on": Days(+367).iso}, "follow_up_on", "late_year", None),
    ({"summary": "字" * 2001}, "summary", "long", "2,001"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("sent", "name", "check", "length"), VISIT_CASES)
def test_a_visit_form_checks_on_the_phone_what_the_server_refuses_in_its_words(
    client, world, login_as, make_resident, lang, sent, name, check, length
):
    r = make_resident()
    login_as(world.worker_a)
    form = client.get(f"/visits/new?resident={r.id}&lang={lang}", htmx=True)
    words = checks_in(form.text)[name][check]
    if length:
        words = words.replace("{n}", length)
    refused = client.post(f"/visits?lang={lang}", data=visit_data(r, **sent), htmx=True)
    assert refused.status_code == 200
    assert words in _errors(refused.text)


REQUEST_CASES = [
    ({"summary": ""}, "summary", "missing"),
    ({"category": ""}, "category", "missing"),
    ({"received_on": ""}, "received_on", "missing"),
    ({"received_on": Days(+1).iso}, "received_on", "late"),
]


@pytest.mark.parametrize(("sent", "name", "check"), REQUEST_CASES)
def test_a_request_form_checks_on_the_phone_what_the_server_refuses_in_its_words(
    client, world, login_as, make_resident, sent, name, check
):
    r = make_resident()
    login_as(world.worker_a)
    form = client.get(f"/requests/new?resident={r.id}")
    words = checks_in(form.text)[name][check]
    data = {
        "resident": r.id,
        "channel": "visit",
        "category": "R18",
        "summary": "问养老补贴怎么申请",
        "received_on": local_today().isoformat(),
        "client_uuid": "6f1c1a3e-51a8-4c3b-9d5e-6f1e2d3c4b5a",
        **sent,
    }
    refused = client.post("/requests", data=data, htmx=True)
    assert refused.status_code == 200
    assert words in _errors(refused.text)


def test_a_form_that_never_waits_carries_no_checks(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.secretary_a)
    # Residents are edited by the secretary, online only: nothing of theirs is queued.
    assert "data-check" not in client.get(f"/residents/{r.id}/edit").text
