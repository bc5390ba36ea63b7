"""Where photo bytes live: a small interface, and a content-addressed store on local disk.

Object storage can replace LocalPhotoStore later by implementing PhotoStore; nothing else
in the app touches the files.
"""

import hashlib
import os
import re
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

KEY_RE = re.compile(r"^[0-9a-f]{64}$")
STAGED_SUFFIX = ".part"


class InvalidKey(ValueError):
    """A key that is not a sha256 hex digest (and so could name a path outside the store)."""


@dataclass(frozen=True)
class StagedFile:
    """Bytes written to the store's temporary area, not yet visible under their key."""

    key: str
    path: Path


class PhotoStore(ABC):
    """Content-addressed bytes: the key of a blob is the sha256 of its content."""

    @abstractmethod
    def stage(self, data: bytes) -> StagedFile:
        """Write bytes to a temporary place; they become visible only when promoted."""

    @abstractmethod
    def promote(self, staged: StagedFile) -> str:
        """Make staged bytes visible under their key (atomically) and return the key."""

    @abstractmethod
    def discard(self, staged: StagedFile) -> None:
        """Remove staged bytes that will not be promoted."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable file for the blob (FileNotFoundError if missing)."""

    def read(self, key: str) -> bytes:
        """The blob's bytes (FileNotFoundError if missing)."""
        with self.open(key) as fh:
            return fh.read()

    @abstractmethod
    def exists(self, key: str) -> bool:
        """True if a blob is stored under the key."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the blob; a missing blob is not an error."""

    @abstractmethod
    def iter_keys(self) -> Iterator[tuple[str, float]]:
        """Every stored key with its modification time (epoch seconds)."""

    @abstractmethod
    def iter_staged(self) -> Iterator[tuple[StagedFile, float]]:
        """Every staged file with its modification time, left over or in flight."""


def _check(key: str) -> str:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise InvalidKey(repr(key)[:80])
    return key


class LocalPhotoStore(PhotoStore):
    """Files under root/ab/cd/<sha256>; staged files under root/tmp on the same filesystem."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def __repr__(self) -> str:
        return f"<LocalPhotoStore {self.root}>"

    def path_for(self, key: str) -> Path:
        """Where the blob with this key lives (sharded so no directory grows too large)."""
        _check(key)
        return self.root / key[:2] / key[2:4] / key

    def stage(self, data: bytes) -> StagedFile:
        key = hashlib.sha256(data).hexdigest()
        self.tmp.mkdir(parents=True, exist_ok=True)
        # The key is in the name so that promote and gc need nothing but the path.
        path = self.tmp / f"{key}.{secrets.token_hex(8)}{STAGED_SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return StagedFile(key, path)

    def promote(self, staged: StagedFile) -> str:
        target = self.path_for(staged.key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Same bytes under the same name: replacing an existing blob changes nothing but its
        # mtime, which keeps gc's grace period working for a blob just used again.
        os.replace(staged.path, target)
        return staged.key

    def discard(self, staged: StagedFile) -> None:
        staged.path.unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        return self.path_for(key).open("rb")

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def iter_keys(self) -> Iterator[tuple[str, float]]:
        if not self.root.is_dir():
            return
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            if KEY_RE.match(path.name) and path.is_file():
                yield path.name, path.stat().st_mtime

    def iter_staged(self) -> Iterator[tuple[StagedFile, float]]:
        if not self.tmp.is_dir():
            return
        for path in self.tmp.glob(f"*{STAGED_SUFFIX}"):
            key = path.name.split(".", 1)[0]
            try:
                mtime = path.stat().st_mtime
            except FileNotFoundError:  # promoted or discarded meanwhile
                continue
            yield StagedFile(key, path), mtime


def get_store() -> PhotoStore:
    """The app's photo store (config PHOTO_STORE), one per app."""
    ext = current_app.extensions
    store = ext.get("gridbook_photo_store")
    if store is None:
        store = ext["gridbook_photo_store"] = LocalPhotoStore(current_app.config["PHOTO_STORE"])
    return store


def age_seconds(mtime: float) -> float:
    """How long ago a file was last written."""
    return time.time() - mtime
