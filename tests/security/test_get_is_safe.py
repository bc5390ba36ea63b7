"""No GET changes state: crawl every GET route as every role and compare the database.

Reads of a resident's record are audited on purpose, and a login keeps a session row, so
audit_events and user_sessions are left out of the comparison. Choosing a language
(?lang=en) is remembered on the user's row by design and is not crawled here.
"""

import pytest

from tests.security.conftest import ROLE_USERS, table_snapshot, url_args

# Query strings a page is reached with, besides its bare URL.
QUERIES = {
    "residents.index": ["?q=居民", "?q=甲&page=2"],
    "visits.new": ["?resident={resident}", "?project={project}"],
    "requests.new": ["?resident={resident}", "?visit={visit}"],
    "requests.index": ["?status=open", "?due=overdue"],
    "hazards.board": ["?status=overdue"],
    "review.queue": ["?status=submitted"],
    "tallies.dashboard": ["?from=2020-01-01&to=2030-01-01"],
    "tallies.export_csv": ["?from=2020-01-01&to=2030-01-01"],
    "tallies.export_xlsx": ["?from=2020-01-01&to=2030-01-01"],
    "admin.audit": ["?action=login"],
}


def get_urls(app, sets) -> list[str]:
    """Every GET route, once per record set for routes that name records."""
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        targets = sets if rule.arguments else [None]
        for records in targets:
            args = url_args(rule, records) if records else {}
            assert args is not None, f"unknown argument in {rule.rule}"
            base = rule.build(args)[1]
            urls.append(base)
            for query in QUERIES.get(rule.endpoint, []):
                if records is None and "{" in query:
                    for each in sets:
                        urls.append(
                            base
                            + query.format(
                                resident=each.resident.id,
                                project=each.project.id,
                                visit=each.visit.id,
                            )
                        )
                elif "{" not in query:
                    urls.append(base + query)
    return list(dict.fromkeys(urls))


@pytest.mark.parametrize("user_name", [*ROLE_USERS, None])
def test_crawling_every_get_route_changes_nothing(
    app, client, world, login_as, two_sets, user_name
):
    sets = list(two_sets.values())
    urls = get_urls(app, sets)
    assert len(urls) > 40
    if user_name:
        login_as(getattr(world, user_name))
    before = table_snapshot()
    statuses = {}
    for url in urls:
        for htmx in (False, True):
            resp = client.get(url, htmx=htmx)
            statuses[url] = resp.status_code
            assert resp.status_code < 500, (url, htmx)
    assert table_snapshot() == before
    # The crawl reached real pages, not only refusals.
    assert sum(1 for s in statuses.values() if s == 200) >= (5 if user_name else 2)


def test_get_logout_keeps_the_session(client, world, login_as):
    login_as(world.worker_a)
    before = table_snapshot(skip=("audit_events",))
    assert client.get("/logout").status_code == 200
    assert table_snapshot(skip=("audit_events",)) == before
    assert client.get("/today").status_code == 200
