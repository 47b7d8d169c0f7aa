"""Where deposited files live: ``<data_dir>/pieces/`` (one folder, outside anything served
statically; back it up with the database). ``tmp/`` holds files being received; ``files/``
holds kept files under names the portal chooses (``files/ab/ab12…``), never the candidate's.

Each write is atomic: a temporary file in ``tmp/`` (same file system), written, fsync'ed, then
renamed into ``files/`` and the folder fsync'ed; the database row comes after, in the caller's
transaction, and the caller removes the file if that transaction fails. A storage error (full
disk, I/O error) raises ``StorageError`` after removing whatever it had written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


class StorageError(Exception):
    """The file system refused (full disk, I/O error, permissions): nothing was kept."""


@dataclass
class Staged:
    """A file being received into ``tmp/``: its bytes are counted and hashed as they arrive."""

    path: Path
    size: int = 0
    _hash: hashlib._Hash = field(default_factory=hashlib.sha256)  # type: ignore[name-defined]

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class Storage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.files = root / "files"

    @classmethod
    def under(cls, data_dir: Path) -> Storage:
        return cls(data_dir / "pieces")

    def ensure(self) -> None:
        try:
            self.tmp.mkdir(parents=True, exist_ok=True)
            self.files.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    # -- receiving ----------------------------------------------------------------------------
    def new_temporary(self) -> Staged:
        self.ensure()
        path = self.tmp / f"{secrets.token_hex(16)}.part"
        try:
            path.touch(mode=0o600, exist_ok=False)
        except OSError as exc:
            raise StorageError(str(exc)) from exc
        return Staged(path)

    def append(self, staged: Staged, chunk: bytes) -> None:
        try:
            with staged.path.open("ab") as handle:
                handle.write(chunk)
        except OSError as exc:
            self.discard(staged.path)
            raise StorageError(str(exc)) from exc
        staged.size += len(chunk)
        staged._hash.update(chunk)

    def temporary_with(self, data: bytes) -> Staged:
        """A temporary file holding ``data``, fsync'ed (an image re-encoded, photos as a PDF)."""
        staged = self.new_temporary()
        try:
            with staged.path.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            self.discard(staged.path)
            raise StorageError(str(exc)) from exc
        staged.size = len(data)
        staged._hash.update(data)
        return staged

    # -- keeping ------------------------------------------------------------------------------
    def keep(self, staged: Staged) -> str:
        """fsync the temporary file, rename it into ``files/``; returns its storage name."""
        name = secrets.token_hex(16)
        target = self.path_of(name)
        try:
            with staged.path.open("rb+") as handle:
                os.fsync(handle.fileno())
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staged.path, target)
            _fsync_dir(target.parent)
        except OSError as exc:
            self.discard(staged.path)
            self.discard(target)
            raise StorageError(str(exc)) from exc
        return name

    def path_of(self, storage_name: str) -> Path:
        if len(storage_name) != 32 or any(c not in "0123456789abcdef" for c in storage_name):
            raise ValueError("not a storage name")
        return self.files / storage_name[:2] / storage_name

    def remove(self, storage_name: str) -> None:
        self.discard(self.path_of(storage_name))

    @staticmethod
    def discard(path: Path) -> None:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)

    # -- checking -----------------------------------------------------------------------------
    def stored_names(self) -> Iterator[str]:
        if not self.files.is_dir():
            return
        for folder in self.files.iterdir():
            if folder.is_dir():
                for path in folder.iterdir():
                    yield path.name

    def temporaries(self) -> list[Path]:
        return sorted(self.tmp.glob("*.part")) if self.tmp.is_dir() else []


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
