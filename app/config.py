"""Configuration read from the environment, with safe defaults for a single machine."""

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two workers starting together must not each write their own key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip()


class ConfigError(ValueError):
    """A setting from the environment that makes no sense, named for the operator."""


def _days(name: str, default: int, low: int, high: int) -> int:
    """A whole number of days from the environment, refused outside low..high."""
    raw = os.environ.get(name, str(default)).strip()
    try:
        days = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: give a whole number of days.") from None
    if not low <= days <= high:
        raise ConfigError(f"{name}={days}: must be between {low} and {high} days.")
    return days


def _community_targets() -> dict:
    """The community-track targets for requests, checked for sense (1 to 60 days)."""
    targets = {
        "acknowledge": _days("GRIDBOOK_REQUEST_ACK_DAYS", 3, 1, 60),
        "resolve": _days("GRIDBOOK_REQUEST_RESOLVE_DAYS", 15, 1, 60),
    }
    if targets["acknowledge"] > targets["resolve"]:
        raise ConfigError(
            f"GRIDBOOK_REQUEST_ACK_DAYS={targets['acknowledge']} is later than "
            f"GRIDBOOK_REQUEST_RESOLVE_DAYS={targets['resolve']}: a request cannot be "
            "acknowledged after it is due to be resolved."
        )
    return targets


def load_config(instance_path: Path) -> dict:
    """Build the config dict for an app whose instance folder is instance_path."""
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'gridbook.db'}"
    https = os.environ.get("GRIDBOOK_HTTPS", "0") == "1"
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PHOTO_STORE": os.environ.get("PHOTO_STORE", str(instance_path / "photos")),
        "IMPORT_STORE": os.environ.get("IMPORT_STORE", str(instance_path / "imports")),
        "BABEL_DEFAULT_LOCALE": "zh_Hans",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "TIMEZONE": "Asia/Shanghai",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # The cookie is sent again only when the session changes. Refreshed on every answer,
        # its signed time changed each second, and with it the Cookie header that photos vary
        # on: the browser never reused a kept photo. The sign-in's 12 hours are counted on the
        # server (UserSession.expires_at), not by the cookie sliding.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_NAME": "__Host-gridbook" if https else "gridbook",
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "HTTPS": https,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "WTF_CSRF_SSL_STRICT": True,
        "MAX_CONTENT_LENGTH": 100 * 1024 * 1024,
        # Flask-Compress, for pages, fragments and JSON (static files: app/static_files.py).
        # Never photos (JPEG gains nothing), never exports: XLSX is a zip already and CSV
        # streams to an office PC. Brotli where the browser takes it, else gzip; no zstd,
        # whose support in phone browsers is still patchy.
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "application/manifest+json",
            "image/svg+xml",
            "text/plain",
        ],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
        "COMPRESS_BR_LEVEL": 4,
        "COMPRESS_LEVEL": 6,
        "COMPRESS_REGISTER": False,  # registered in create_app, around the static view
        # memory:// counts per process: with several processes or hosts, point every one at
        # the same Redis (redis://host:6379/0) or the login throttle counts apart in each.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Several deployments (or test runs) may share one Redis: their counters stay apart.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "gridbook"),
        "RATELIMIT_HEADERS_ENABLED": False,
        "PROXY_COUNT": int(os.environ.get("GRIDBOOK_PROXY_COUNT", "0")),
        # Photos decoded at once per process, and how long an upload waits for its turn
        # before it is told the server is busy (app/photos/pipeline.py).
        "PHOTO_DECODES": int(os.environ.get("GRIDBOOK_PHOTO_DECODES", "2")),
        "PHOTO_DECODE_WAIT": float(os.environ.get("GRIDBOOK_PHOTO_DECODE_WAIT", "20")),
        "RETENTION_DAYS": int(os.environ.get("GRIDBOOK_RETENTION_DAYS", str(3 * 365))),
        # What a phone keeps for work without signal (app/offline): cached personal pages
        # expire after OFFLINE_DAYS; at most OFFLINE_RESIDENTS residents per grid are kept.
        "OFFLINE_DAYS": int(os.environ.get("GRIDBOOK_OFFLINE_DAYS", "7")),
        "OFFLINE_RESIDENTS": int(os.environ.get("GRIDBOOK_OFFLINE_RESIDENTS", "500")),
        "OFFLINE_MAX_PAGES": int(os.environ.get("GRIDBOOK_OFFLINE_MAX_PAGES", "5000")),
        "OFFLINE_NETWORK_TIMEOUT": float(os.environ.get("GRIDBOOK_OFFLINE_NETWORK_TIMEOUT", "5")),
        "OFFLINE_WARM_EVERY": int(os.environ.get("GRIDBOOK_OFFLINE_WARM_EVERY", "1800")),
        # Backups in instance/backups kept by `flask backup`: older ones are deleted, so that
        # erased personal data does not live on in old copies.
        "BACKUP_KEEP": int(os.environ.get("GRIDBOOK_BACKUP_KEEP", "7")),
        # Community-track targets for residents' requests (DOMAIN.md: 3 and 15 days).
        "REQUEST_COMMUNITY_TARGETS": _community_targets(),
        # Civil Code Art. 203: periods ending on a holiday or rest day end on the next working
        # day. Off only for tests whose dates are relative to today (app/requests/deadlines.py).
        "REQUEST_WORKING_DAY_ROLLOVER": True,
    }
