"""HTML helpers for the projects tests."""

from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Roots(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0
        self.roots: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.roots.append(dict(attrs).get("id"))
        if tag not in VOID:
            self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            self.roots.append(dict(attrs).get("id"))

    def handle_endtag(self, tag):
        if tag not in VOID:
            self.depth -= 1


def root_ids(html: str) -> list[str | None]:
    """Ids of the top-level elements of an htmx fragment (None for a root without id)."""
    parser = _Roots()
    parser.feed(html)
    return parser.roots
