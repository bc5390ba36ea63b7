"""Uploaded sheets waiting between preview and import, on disk under a random token.

The file is kept server-side (never in the session cookie) in a folder every app process
reads, with the id of the user who sent it beside it; another user's token is as good as
none. A file is deleted once imported, cancelled, or older than `KEEP`. What an import did
(the names added, the rows refused and why) stays under the same token for its result page,
and is swept as the uploads are.
"""

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask_babel import lazy_gettext as _l

from ..refusals import Conflict

KEEP_SECONDS = 2 * 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")
GONE = _l(
    "This upload is no longer here (already imported, cancelled or too old). Upload the file again."
)


class Store:
    """The folder of pending uploads."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def save(self, user_id: int, filename: str, data: bytes) -> str:
        """Keep an uploaded file for this user; the token names it from now on."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sweep()
        token = secrets.token_urlsafe(24)
        meta = {"user": user_id, "filename": filename[:200], "at": time.time()}
        self._write(self.folder / f"{token}.json", json.dumps(meta).encode())
        self._write(self.folder / f"{token}.upload", data)
        return token

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)

    def _meta(self, token: str, user_id: int) -> dict:
        return self._kept(token, user_id, "json")

    def _kept(self, token: str, user_id: int, suffix: str) -> dict:
        """The JSON kept under `token` for this user; gone (409) for anyone else or later."""
        if not TOKEN_RE.match(token or ""):
            raise Conflict(GONE)
        try:
            kept = json.loads((self.folder / f"{token}.{suffix}").read_text())
        except (OSError, ValueError) as exc:
            raise Conflict(GONE) from exc
        if kept.get("user") != user_id or time.time() - kept.get("at", 0) > KEEP_SECONDS:
            raise Conflict(GONE)
        return kept

    def load(self, token: str, user_id: int) -> tuple[str, bytes]:
        """The file name and kept content of this user's pending upload."""
        meta = self._meta(token, user_id)
        try:
            return meta["filename"], (self.folder / f"{token}.upload").read_bytes()
        except OSError as exc:
            raise Conflict(GONE) from exc

    def claim(self, token: str, user_id: int) -> None:
        """Take the upload for importing: of two requests at once, only one gets it.

        What was kept is written once and never changed, so the caller imports what it
        already read; the claim only decides who does.
        """
        self._meta(token, user_id)
        claimed = self.folder / f"{token}.{secrets.token_hex(4)}.importing"
        try:
            # rename is atomic: the loser of a double tap finds the file gone.
            os.rename(self.folder / f"{token}.upload", claimed)
        except OSError as exc:
            raise Conflict(GONE) from exc
        claimed.unlink(missing_ok=True)
        (self.folder / f"{token}.json").unlink(missing_ok=True)

    def save_result(self, token: str, user_id: int, result: dict) -> None:
        """Keep what an import did, for its result page (swept like the uploads)."""
        if not TOKEN_RE.match(token or ""):
            raise Conflict(GONE)
        data = {"user": user_id, "at": time.time(), "result": result}
        path = self.folder / f"{token}.result"
        path.unlink(missing_ok=True)
        self._write(path, json.dumps(data, ensure_ascii=False).encode())

    def load_result(self, token: str, user_id: int) -> dict:
        """What this user's import under `token` did; gone (409) for anyone else or later."""
        return self._kept(token, user_id, "result")["result"]

    def discard(self, token: str, user_id: int) -> None:
        """Forget an upload (cancelled)."""
        self._meta(token, user_id)
        for suffix in (".upload", ".json"):
            (self.folder / f"{token}{suffix}").unlink(missing_ok=True)

    def sweep(self) -> None:
        """Delete uploads older than KEEP_SECONDS (left by a preview nobody confirmed)."""
        limit = time.time() - KEEP_SECONDS
        for path in self.folder.glob("*"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
            except OSError:
                continue
