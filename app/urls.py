"""Where the app will send a browser: its own pages, and which requests come from them."""

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": "80", "https": "443"}


def local_path(target: str | None, prefix: str = "/") -> str | None:
    """The target when it is a path on this site under prefix, else None."""
    # Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    # "/\t/evil.example" and "/\\evil.example" leave the site though they start with "/".
    if not target or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.startswith("//"):
        return None
    if not parts.path.startswith(prefix):
        return None
    return target


def origin_of(url: str) -> tuple[str, str] | None:
    """(scheme, host[:port]) of a URL, the default port left out; None if it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if port is not None and str(port) != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return scheme, host


def referrer_path() -> str | None:
    """The path and query of the page the request came from, when it is a page of this site
    (a Referer that is no address at all counts as none)."""
    from flask import request

    ref = request.referrer or ""
    if not ref or origin_of(ref) != origin_of(request.host_url):
        return None
    parts = urlsplit(ref)
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))
