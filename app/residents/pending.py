"""Uploaded sheets waiting between preview and import, on disk under a random token.

The file is kept server-side (never in the session cookie) in a folder every app process
reads, with the id of the user who sent it beside it; another user's token is as good as
none. A file is deleted once imported, cancelled, or older than `KEEP`. While its import is
being written it is set aside under another name, so that no second request imports it, and
put back if that import does not commit. What an import did (the names added, the rows
refused and why) stays under the same token for its result page, and is swept as the uploads
are.
"""

import contextlib
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
IMPORTING = _l(
    "This sheet is already being imported, and is imported only once. Reload this page in a "
    "moment: if that import did not go through, the sheet is still here to import again."
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
            if self._claimed(token).exists():
                raise Conflict(IMPORTING) from exc
            raise Conflict(GONE) from exc

    def _claimed(self, token: str) -> Path:
        return self.folder / f"{token}.importing"

    def claim(self, token: str, user_id: int) -> None:
        """Take the upload for importing: of two requests at once, only one gets it.

        The file is set aside, not deleted, until the import's transaction ends: `imported`
        deletes it once the rows are committed, `unclaim` gives it back if they are not, and
        the user imports again from the same preview. What was kept is written once and never
        changed, so the caller imports what it already read; the claim only decides who does.
        """
        self._meta(token, user_id)
        try:
            # rename is atomic: the loser of a double tap finds the file gone.
            os.rename(self.folder / f"{token}.upload", self._claimed(token))
        except OSError as exc:
            if self._claimed(token).exists():
                raise Conflict(IMPORTING) from exc
            raise Conflict(GONE) from exc

    def unclaim(self, token: str) -> None:
        """Give a claimed upload back: its import did not commit, and may be tried again."""
        if not TOKEN_RE.match(token or ""):
            return
        # Swept meanwhile (older than KEEP_SECONDS): it is gone as it would have been.
        with contextlib.suppress(FileNotFoundError):
            os.rename(self._claimed(token), self.folder / f"{token}.upload")

    def imported(self, token: str) -> None:
        """Delete a claimed upload whose import has committed."""
        if not TOKEN_RE.match(token or ""):
            return
        self._claimed(token).unlink(missing_ok=True)
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

    def has_result(self, token: str, user_id: int) -> bool:
        """Whether this user's upload under `token` was imported (its result is kept)."""
        try:
            self.load_result(token, user_id)
        except Conflict:
            return False
        return True

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
