"""The one place that decides between a whole page and an htmx fragment."""

import json

from flask import Response, make_response, render_template, request

# htmx settings the templates rely on; rendered into <meta name="htmx-config">.
# No eval, no script tags from responses, and no history cache: a cached resident page
# would outlive logout in the browser's storage.
HTMX_CONFIG = {
    "allowEval": False,
    "allowScriptTags": False,
    "historyCacheSize": 0,
    "refreshOnHistoryMiss": True,
    "selfRequestsOnly": True,
    "includeIndicatorStyles": False,
    "defaultSwapStyle": "outerHTML",
    # Settling copies an element's old style attribute onto its swapped-in twin, which the
    # CSP (style-src 'self') refuses with a console error: settle classes and sizes only.
    "attributesToSettle": ["class", "width", "height"],
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "422", "swap": True, "error": False},
        {"code": "[45]..", "swap": False, "error": True},
    ],
}


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page (not boosted, not history)."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(
    page_template: str, fragment_template: str | None = None, /, *, status: int = 200, **context
) -> Response:
    """Render the page, or only its fragment when htmx asked for a part of the page."""
    use_fragment = fragment_template and wants_fragment()
    template = fragment_template if use_fragment else page_template
    resp = make_response(render_template(template, **context), status)
    resp.vary.add("HX-Request")
    return resp


def fragments(*parts: str, status: int = 200) -> Response:
    """A response made of already rendered fragments (a main one plus out-of-band swaps)."""
    resp = make_response("".join(parts), status)
    resp.vary.add("HX-Request")
    return resp


def trigger(resp: Response, events: dict) -> Response:
    """Add server-sent events (HX-Trigger) to a response, merging any already there."""
    existing = resp.headers.get("HX-Trigger")
    merged = json.loads(existing) if existing else {}
    merged.update(events)
    resp.headers["HX-Trigger"] = json.dumps(merged, ensure_ascii=True)
    return resp


def toast(resp: Response, message: str, level: str = "success") -> Response:
    """Ask the page to show a short confirmation."""
    return trigger(resp, {"toast": {"message": str(message), "level": level}})


def push_url(resp: Response, url: str) -> Response:
    """Put `url` in the address bar (and history) instead of the address htmx asked for."""
    resp.headers["HX-Push-Url"] = url
    return resp


def redirect_client(url: str) -> Response:
    """Send an htmx request to a whole new page (HX-Redirect), a plain one with 303."""
    if request.htmx:
        resp = Response(status=204)
        resp.headers["HX-Redirect"] = url
        return resp
    resp = Response(status=303)
    resp.headers["Location"] = url
    return resp
