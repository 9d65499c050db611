"""Storage for the persist guest, in Python: the `backtest:persist/storage` import.

Every store has the same methods: read, write, write_if_absent, remove, list_ids, entities,
quarantine, and the batches and compare-and-swap (read_many, write_many, remove_many,
read_versioned, write_if_version). A failure is a `StorageError`, which the guest receives as
its `storage-error` (invalid-key, too-large, unavailable, io) with the message.
"""

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import sqlite3
import time
from typing import Dict, List, Optional, Tuple

MAX_NAME_BYTES = 255
MAX_DOCUMENT_BYTES = 16 << 20
SUFFIX = ".json"
QUARANTINE = ".quarantine"


class StorageError(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@functools.lru_cache(maxsize=4096)
def _safe(name: str, allow_slash: bool) -> bool:
    """Whether a name can be stored (remembered: the same names come again and again)."""
    parts = name.split("/") if allow_slash else [name]
    return not any(
        part in ("", ".", "..")
        or "\\" in part
        or "\0" in part
        or (not allow_slash and "/" in part)
        or len(part.encode()) > MAX_NAME_BYTES
        for part in parts
    )


def _check_name(kind: str, name: str, allow_slash: bool) -> None:
    if not _safe(name, allow_slash):
        raise StorageError("invalid-key", f"{kind} {json.dumps(name)} cannot be stored")


def check_key(entity: str, id: str) -> None:
    """Refuses names that could leave the store, whatever the guest sends."""
    _check_name("entity", entity, True)
    _check_name("id", id, False)


def check_size(value: bytes) -> None:
    if len(value) > MAX_DOCUMENT_BYTES:
        raise StorageError("too-large", str(len(value)))


def version_of(value: bytes) -> str:
    """A document's version: the SHA-256 of its bytes as 64 lowercase hex digits, as every
    store of the Rust host and of Node computes it."""
    return hashlib.sha256(value).hexdigest()


class Versioned:
    """A document's bytes with their version (the WIT record `versioned`)."""

    __slots__ = ("value", "version")

    def __init__(self, value: bytes) -> None:
        self.value = value
        self.version = version_of(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Versioned) and (self.value, self.version) == (other.value, other.version)

    def __repr__(self) -> str:
        return f"Versioned({self.value!r}, {self.version})"


def versioned(value: Optional[bytes]) -> Optional[Versioned]:
    return None if value is None else Versioned(value)


def check_batch(items: List[tuple], with_value: bool) -> None:
    """Checks every item of a batch before anything is written: a bad one fails the batch."""
    for i, item in enumerate(items):
        try:
            check_key(item[0], item[1])
            if with_value:
                check_size(item[2])
        except StorageError as e:
            if e.kind == "invalid-key":
                raise StorageError("invalid-key", f"batch item {i}: {e.message}; nothing was written")
            raise


class MemoryStore:
    """Documents in a dict; gone with the process."""

    def __init__(self) -> None:
        self.docs: Dict[Tuple[str, str], bytes] = {}
        self.quarantined: List[dict] = []

    def read(self, entity: str, id: str) -> Optional[bytes]:
        check_key(entity, id)
        return self.docs.get((entity, id))

    def write(self, entity: str, id: str, value: bytes) -> None:
        check_key(entity, id)
        check_size(value)
        self.docs[(entity, id)] = bytes(value)

    def write_if_absent(self, entity: str, id: str, value: bytes) -> bool:
        if self.read(entity, id) is not None:
            return False
        self.write(entity, id, value)
        return True

    def remove(self, entity: str, id: str) -> None:
        check_key(entity, id)
        self.docs.pop((entity, id), None)

    def list_ids(self, entity: str) -> List[str]:
        _check_name("entity", entity, True)
        return [i for (e, i) in self.docs if e == entity]

    def entities(self, prefix: str) -> List[str]:
        return sorted({e for (e, _) in self.docs if e.startswith(prefix)})

    def quarantine(self, entity: str, id: str, judged: bytes, reason: str) -> bool:
        """Moves the document only if it still holds `judged`; True when moved."""
        if self.docs.get((entity, id)) != bytes(judged):
            return False
        value = self.docs.pop((entity, id))
        self.quarantined.append({"entity": entity, "id": id, "reason": reason, "value": value})
        return True


    def read_many(self, entity: str, ids: List[str]) -> List[Optional[bytes]]:
        return [self.read(entity, id) for id in ids]

    def write_many(self, documents: List[Tuple[str, str, bytes]]) -> None:
        """All or nothing: every item is checked before any is written."""
        check_batch(documents, True)
        for entity, id, value in documents:
            self.write(entity, id, bytes(value))

    def remove_many(self, keys: List[Tuple[str, str]]) -> None:
        check_batch(keys, False)
        for entity, id in keys:
            self.remove(entity, id)

    def read_versioned(self, entity: str, id: str) -> Optional[Versioned]:
        return versioned(self.read(entity, id))

    def write_if_version(self, entity: str, id: str, expected: Optional[str], value: bytes) -> tuple:
        """Compare-and-swap: ("swapped", version) or ("stale", the document now or None)."""
        check_size(value)
        current = self.read_versioned(entity, id)
        if (current.version if current else None) != expected:
            return ("stale", current)
        self.write(entity, id, bytes(value))
        return ("swapped", version_of(bytes(value)))


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _locked(folder: str, exclusive: bool):
    """The folder's `flock`, as the Rust file store takes it: shared around a rename, exclusive
    around a compare-and-swap. Yields the folder's descriptor, fsynced after the lock is
    released."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield fd
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.fsync(fd)
    finally:
        os.close(fd)


class FileStore:
    """Files as the Rust file store and backtest-kit's ./dump lay them out:
    `<root>/<entity>/<id>.json`, written by temp file, fsync, rename, fsync of the folder. The
    rename holds the folder's shared `flock` and a compare-and-swap its exclusive one, as in the
    Rust host, so the two may share a folder."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        os.makedirs(self.root, exist_ok=True)

    def _io(self, what: str, where: str, e: OSError) -> StorageError:
        return StorageError("io", f"file store {self.root}: {what} {where}: {e.strerror or e}")

    def _path(self, entity: str, id: str) -> str:
        return os.path.join(self.root, *entity.split("/"), id + SUFFIX)

    def read(self, entity: str, id: str) -> Optional[bytes]:
        check_key(entity, id)
        try:
            with open(self._path(entity, id), "rb") as f:
                return f.read()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as e:
            raise self._io("cannot read", f"{entity}/{id}{SUFFIX}", e)

    def _write_temp(self, entity: str, id: str, value: bytes, sync: bool = True) -> Tuple[str, str]:
        folder = os.path.join(self.root, *entity.split("/"))
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".tmp-{os.urandom(6).hex()}-{id}{SUFFIX}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, value)
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        return folder, tmp

    def write(self, entity: str, id: str, value: bytes) -> None:
        check_key(entity, id)
        check_size(value)
        try:
            folder, tmp = self._write_temp(entity, id, value)
            with _locked(folder, False):
                os.rename(tmp, self._path(entity, id))
        except OSError as e:
            raise self._io("cannot write", f"{entity}/{id}{SUFFIX}", e)

    def read_many(self, entity: str, ids: List[str]) -> List[Optional[bytes]]:
        return [self.read(entity, id) for id in ids]

    def write_many(self, documents: List[Tuple[str, str, bytes]]) -> None:
        """Every temp file written and fsynced, then the renames (under each folder's shared
        lock), then one fsync per folder: each document atomic, all durable on return."""
        check_batch(documents, True)
        temps: List[Tuple[str, str, str, str]] = []
        try:
            for entity, id, value in documents:
                folder, tmp = self._write_temp(entity, id, bytes(value), sync=False)
                temps.append((folder, tmp, entity, id))
            for _, tmp, _, _ in temps:
                fd = os.open(tmp, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            for folder in dict.fromkeys(t[0] for t in temps):
                with _locked(folder, False):
                    for f, tmp, entity, id in temps:
                        if f == folder:
                            os.rename(tmp, self._path(entity, id))
        except OSError as e:
            for _, tmp, _, _ in temps:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            raise self._io("cannot write", f"a batch of {len(documents)}", e)

    def remove_many(self, keys: List[Tuple[str, str]]) -> None:
        check_batch(keys, False)
        for entity, id in keys:
            self.remove(entity, id)

    def read_versioned(self, entity: str, id: str) -> Optional[Versioned]:
        return versioned(self.read(entity, id))

    def write_if_version(self, entity: str, id: str, expected: Optional[str], value: bytes) -> tuple:
        """Compare-and-swap between processes: the comparison and the rename under the folder's
        exclusive lock. ("swapped", version) or ("stale", the document now or None)."""
        check_key(entity, id)
        check_size(value)
        value = bytes(value)
        try:
            folder, tmp = self._write_temp(entity, id, value)
            try:
                with _locked(folder, True):
                    current = self.read_versioned(entity, id)
                    if (current.version if current else None) != expected:
                        os.unlink(tmp)
                        return ("stale", current)
                    os.rename(tmp, self._path(entity, id))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            return ("swapped", version_of(value))
        except OSError as e:
            raise self._io("cannot write", f"{entity}/{id}{SUFFIX}", e)

    def write_if_absent(self, entity: str, id: str, value: bytes) -> bool:
        check_key(entity, id)
        check_size(value)
        try:
            folder, tmp = self._write_temp(entity, id, value)
            try:
                with _locked(folder, False):
                    os.link(tmp, self._path(entity, id))
            except FileExistsError:
                return False
            finally:
                os.unlink(tmp)
            return True
        except OSError as e:
            raise self._io("cannot write", f"{entity}/{id}{SUFFIX}", e)

    def remove(self, entity: str, id: str) -> None:
        check_key(entity, id)
        try:
            with _locked(os.path.dirname(self._path(entity, id)), False):
                os.unlink(self._path(entity, id))
        except (FileNotFoundError, NotADirectoryError):
            pass
        except OSError as e:
            raise self._io("cannot remove", f"{entity}/{id}{SUFFIX}", e)

    def list_ids(self, entity: str) -> List[str]:
        _check_name("entity", entity, True)
        folder = os.path.join(self.root, *entity.split("/"))
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as e:
            raise self._io("cannot list", entity, e)
        return [
            d.name[: -len(SUFFIX)]
            for d in entries
            if d.is_file(follow_symlinks=False)
            and not d.name.startswith(".")
            and d.name.endswith(SUFFIX)
            and len(d.name) > len(SUFFIX)
        ]

    def entities(self, prefix: str) -> List[str]:
        found, pending = [], [""]
        while pending:
            rel = pending.pop()
            try:
                entries = list(os.scandir(os.path.join(self.root, rel)))
            except OSError as e:
                raise self._io("cannot list", rel or ".", e)
            holds_documents = False
            for d in entries:
                if d.is_file(follow_symlinks=False) and not d.name.startswith(".") and d.name.endswith(SUFFIX):
                    holds_documents = True
                elif d.is_dir(follow_symlinks=False) and not d.name.startswith("."):
                    pending.append(f"{rel}/{d.name}" if rel else d.name)
            if holds_documents and rel and rel.startswith(prefix):
                found.append(rel)
        return found

    def quarantine(self, entity: str, id: str, judged: bytes, reason: str) -> bool:
        """Moves the document to the quarantine only if it still holds `judged` (a writer's newer
        document stays); True when moved."""
        check_key(entity, id)
        source = self._path(entity, id)
        rel = f"{entity}/{id}{SUFFIX}"
        try:
            with open(source, "rb") as f:
                stat = os.fstat(f.fileno())
                if f.read() != bytes(judged):
                    return False
        except FileNotFoundError:
            return False
        except OSError as e:
            raise self._io("cannot read", rel, e)
        qdir = os.path.join(self.root, QUARANTINE, *entity.split("/"))
        now = int(time.time() * 1000)
        stamp = f"{now}-{os.urandom(3).hex()}"
        moved = os.path.join(qdir, f"{id}.{stamp}{SUFFIX}")
        try:
            os.makedirs(qdir, exist_ok=True)
            os.rename(source, moved)
            # A writer may have replaced the file between the comparison and the move: then
            # link the writer's file back, unless an even newer one is there already.
            now_there = os.stat(moved)
            if (now_there.st_dev, now_there.st_ino) != (stat.st_dev, stat.st_ino):
                try:
                    os.link(moved, source)
                    os.unlink(moved)
                    _fsync_dir(os.path.dirname(source))
                except FileExistsError:
                    pass
                return False
            note = {"entity": entity, "id": id, "reason": reason, "quarantinedAtMs": now, "from": rel}
            with open(os.path.join(qdir, f"{id}.{stamp}.reason{SUFFIX}"), "x") as f:
                f.write(json.dumps(note, separators=(",", ":")))
            _fsync_dir(qdir)
            _fsync_dir(os.path.dirname(source))
            return True
        except OSError as e:
            raise self._io("cannot move to the quarantine", rel, e)


class SqliteStore:
    """One row per document in an SQLite table (standard library), primary key (entity, id);
    quarantined rows move to `<table>_quarantine` with their reason, in one transaction."""

    def __init__(self, path: str, table: str = "persist_documents") -> None:
        if not table.replace("_", "").isalnum():
            raise StorageError("io", f"table name {table!r}: letters, digits and _ only")
        self.table = table
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (entity TEXT NOT NULL, id TEXT NOT NULL, "
            "value BLOB NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (entity, id))"
        )
        self.db.execute(
            f"CREATE TABLE IF NOT EXISTS {table}_quarantine (entity TEXT NOT NULL, id TEXT NOT NULL, "
            "value BLOB NOT NULL, reason TEXT NOT NULL, quarantined_at INTEGER NOT NULL)"
        )

    def _run(self, sql: str, args: tuple):
        try:
            return self.db.execute(sql, args)
        except sqlite3.Error as e:
            raise StorageError("io", f"sqlite {self.table}: {e}")

    def read(self, entity: str, id: str) -> Optional[bytes]:
        check_key(entity, id)
        row = self._run(f"SELECT value FROM {self.table} WHERE entity = ? AND id = ?", (entity, id)).fetchone()
        return None if row is None else bytes(row[0])

    def write(self, entity: str, id: str, value: bytes) -> None:
        check_key(entity, id)
        check_size(value)
        self._run(
            f"INSERT INTO {self.table} (entity, id, value, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (entity, id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (entity, id, bytes(value), int(time.time() * 1000)),
        )

    def write_if_absent(self, entity: str, id: str, value: bytes) -> bool:
        check_key(entity, id)
        check_size(value)
        cur = self._run(
            f"INSERT INTO {self.table} (entity, id, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (entity, id, bytes(value), int(time.time() * 1000)),
        )
        return cur.rowcount == 1

    def remove(self, entity: str, id: str) -> None:
        check_key(entity, id)
        self._run(f"DELETE FROM {self.table} WHERE entity = ? AND id = ?", (entity, id))

    def list_ids(self, entity: str) -> List[str]:
        _check_name("entity", entity, True)
        return [r[0] for r in self._run(f"SELECT id FROM {self.table} WHERE entity = ? ORDER BY id", (entity,))]

    def entities(self, prefix: str) -> List[str]:
        rows = self._run(f"SELECT DISTINCT entity FROM {self.table} ORDER BY entity", ())
        return [r[0] for r in rows if r[0].startswith(prefix)]

    def read_many(self, entity: str, ids: List[str]) -> List[Optional[bytes]]:
        return [self.read(entity, id) for id in ids]

    def write_many(self, documents: List[Tuple[str, str, bytes]]) -> None:
        """One transaction: all or nothing."""
        check_batch(documents, True)
        now = int(time.time() * 1000)
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany(
                    f"INSERT INTO {self.table} (entity, id, value, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (entity, id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    [(e, i, bytes(v), now) for e, i, v in documents],
                )
        except sqlite3.Error as e:
            raise StorageError("io", f"sqlite {self.table}: {e}")

    def remove_many(self, keys: List[Tuple[str, str]]) -> None:
        check_batch(keys, False)
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany(f"DELETE FROM {self.table} WHERE entity = ? AND id = ?", list(keys))
        except sqlite3.Error as e:
            raise StorageError("io", f"sqlite {self.table}: {e}")

    def read_versioned(self, entity: str, id: str) -> Optional[Versioned]:
        return versioned(self.read(entity, id))

    def write_if_version(self, entity: str, id: str, expected: Optional[str], value: bytes) -> tuple:
        """Compare-and-swap in one IMMEDIATE transaction (no other writer between the read and
        the write). ("swapped", version) or ("stale", the document now or None)."""
        check_key(entity, id)
        check_size(value)
        value = bytes(value)
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                row = self.db.execute(
                    f"SELECT value FROM {self.table} WHERE entity = ? AND id = ?", (entity, id)
                ).fetchone()
                current = None if row is None else Versioned(bytes(row[0]))
                if (current.version if current else None) != expected:
                    return ("stale", current)
                self.db.execute(
                    f"INSERT INTO {self.table} (entity, id, value, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (entity, id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    (entity, id, value, int(time.time() * 1000)),
                )
            return ("swapped", version_of(value))
        except sqlite3.Error as e:
            raise StorageError("io", f"sqlite {self.table}: {e}")

    def quarantine(self, entity: str, id: str, judged: bytes, reason: str) -> bool:
        """Moves the row only while it holds `judged`, in one transaction; True when moved."""
        check_key(entity, id)
        now = int(time.time() * 1000)
        judged = bytes(judged)
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.execute(
                    f"INSERT INTO {self.table}_quarantine (entity, id, value, reason, quarantined_at) "
                    f"SELECT entity, id, value, ?, ? FROM {self.table} WHERE entity = ? AND id = ? AND value = ?",
                    (reason, now, entity, id, judged),
                )
                moved = self.db.execute(
                    f"DELETE FROM {self.table} WHERE entity = ? AND id = ? AND value = ?", (entity, id, judged)
                ).rowcount
            return moved == 1
        except sqlite3.Error as e:
            raise StorageError("io", f"sqlite {self.table}: {e}")
