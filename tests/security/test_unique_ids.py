"""Every page names each element once: a second id="x" is skipped by label for="x", by
aria-describedby and by htmx's hx-target="#x" (a project's decision form once had a select
with the id of the section it swaps: the label pointed at the section)."""

from collections import Counter
from html.parser import HTMLParser

import pytest

from tests.security.conftest import ROLE_USERS
from tests.security.test_get_is_safe import get_urls


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self._template = 0

    def handle_starttag(self, tag, attrs):
        # A <template>'s content is inert until cloned (the page's offline forms use them).
        if tag == "template":
            self._template += 1
        if not self._template:
            self.ids += [v for k, v in attrs if k == "id" and v]

    def handle_endtag(self, tag):
        if tag == "template" and self._template:
            self._template -= 1


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(i for i, n in Counter(parser.ids).items() if n > 1)


def test_duplicates_are_found():
    assert duplicate_ids('<p id="a"></p><p id="b"><i id="a"></i></p>') == ["a"]
    assert duplicate_ids('<p id="a"></p><template><p id="a"></p></template>') == []


@pytest.mark.parametrize("user_name", ROLE_USERS)
def test_no_page_gives_an_id_twice(app, client, world, login_as, two_sets, user_name):
    login_as(getattr(world, user_name))
    found = {}
    pages = 0
    for url in get_urls(app, list(two_sets.values())):
        for htmx in (False, True):
            resp = client.get(url, htmx=htmx)
            if resp.status_code != 200 or resp.mimetype != "text/html":
                continue
            pages += 1
            if dupes := duplicate_ids(resp.text):
                found[(url, htmx)] = dupes
    assert pages >= 10  # reached pages, not only refusals
    assert found == {}
