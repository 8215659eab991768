"""Drop zones: where units put their files. A local/mounted folder or a Windows (SMB) share.

Both give the same view: entries with a path relative to the drop zone's root (``/``
separated, Chinese names as they are), a size and a modification time, and a way to read the
bytes. SMB credentials come from an Airflow Connection (default ``campaign_ops_share``), never
from the campaign file.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from campaign_ops.campaign import Campaign
from campaign_ops.settings import settings

# Office's lock files and OS droppings are never submissions.
IGNORED_PREFIXES = ("~$", ".~", "._")
IGNORED_NAMES = {"Thumbs.db", "desktop.ini", ".DS_Store"}
# A unit's folder for files to be checked only (campaign_ops.intake.precheck): never a submission.
PRECHECK_FOLDER = "预检"
_PRECHECK_PART = f"/{PRECHECK_FOLDER}/"


@dataclass(frozen=True)
class Entry:
    """A file seen in a drop zone."""

    path: str  # relative to the drop zone root, '/'-separated
    size: int
    mtime: dt.datetime  # timezone-aware UTC

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def folders(self) -> tuple[str, ...]:
        return PurePosixPath(self.path).parts[:-1]

    @property
    def precheck(self) -> bool:
        """In a 预检 folder: checked and answered by mail, never stored as a submission."""
        return _PRECHECK_PART in f"/{self.path}"


class Source(Protocol):
    """What intake needs from a drop zone."""

    name: str  # recorded with every sighting, so equal paths in two zones never collide

    def entries(self) -> Iterator[Entry]: ...

    def precheck_entries(self) -> Iterator[Entry]: ...

    def read(self, entry: Entry) -> bytes: ...


def _ignored(name: str) -> bool:
    return name in IGNORED_NAMES or name.startswith(IGNORED_PREFIXES)


def readable_name(name: str) -> str:
    """A file or folder name as valid Unicode text.

    Linux hands over names that are not UTF-8 with surrogate escapes; such a string cannot be
    stored in the warehouse, logged to a UTF-8 stream or put in an email. They are nearly
    always GBK names (a zip made on Chinese Windows, unpacked on Linux), so they are decoded
    as GB18030, else with replacement characters. ``FolderSource.read`` maps them back.
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)


class FolderSource:
    """A local or mounted folder (an NFS/CIFS mount looks the same)."""

    def __init__(self, root: Path, name: str | None = None):
        self.root = Path(root)
        self.name = name or f"folder:{self.root}"

    def entries(self) -> Iterator[Entry]:
        if self.root.exists():
            yield from (e for e in self._walk(str(self.root), "") if not e.precheck)

    def precheck_entries(self) -> Iterator[Entry]:
        if self.root.exists():
            yield from (e for e in self._walk(str(self.root), "") if e.precheck)

    def _walk(self, folder: str, rel: str) -> Iterator[Entry]:
        """Depth first, names sorted (``os.scandir``: a drop zone of 3,000 unit folders is
        listed in a third of ``os.walk`` + ``Path.stat``'s time)."""
        try:
            with os.scandir(folder) as it:
                found = sorted((e for e in it if not _ignored(e.name)), key=lambda e: e.name)
        except FileNotFoundError:  # removed while we listed
            return
        files = [e for e in found if not e.is_dir()]
        for e in files:
            try:
                st = e.stat()
            except FileNotFoundError:  # removed between listing and stat
                continue
            yield Entry(rel + readable_name(e.name), st.st_size, _utc(st.st_mtime))
        for e in found:
            if e.is_dir() and not e.is_symlink():  # as os.walk: linked folders not entered
                yield from self._walk(e.path, rel + readable_name(e.name) + "/")

    def read(self, entry: Entry) -> bytes:
        try:  # the usual case first, with a str path: one open, no stat
            with open(os.path.join(self.root, entry.path), "rb") as fh:
                return fh.read()
        except FileNotFoundError:  # a name decoded for display (``readable_name``)
            return self._on_disk(entry.path).read_bytes()

    def _on_disk(self, path: str) -> Path:
        """The file behind an entry's path, also when a name had to be decoded for it
        (``readable_name``): each part is matched against the names actually on disk."""
        direct = self.root / path
        if direct.exists():
            return direct
        current = self.root
        for part in path.split("/"):
            if (current / part).exists():
                current = current / part
                continue
            try:
                names = os.listdir(current)
            except OSError:
                return direct
            match = next((n for n in names if readable_name(n) == part), None)
            if match is None:
                return direct  # gone since listing: the caller's FileNotFoundError says so
            current = current / match
        return current


@dataclass(frozen=True)
class SmbLogin:
    host: str
    port: int
    username: str
    password: str

    @classmethod
    def from_connection(cls, conn_id: str) -> SmbLogin:
        """Credentials from an Airflow Connection (env ``AIRFLOW_CONN_…`` or the metastore)."""
        from airflow.sdk import Connection

        conn = Connection.get(conn_id)
        return cls(
            host=conn.host or "127.0.0.1",
            port=int(conn.port or 445),
            username=conn.login or "",
            password=conn.password or "",
        )


class SmbSource:
    """A folder on a Windows/Samba share, read with smbprotocol (no mount needed)."""

    def __init__(self, login: SmbLogin, share_path: str, name: str | None = None):
        self.login = login
        self.share_path = share_path.strip("/\\").replace("/", "\\")
        self.name = name or f"smb://{login.host}:{login.port}/{share_path.strip('/')}"
        self._registered = False

    @property
    def _unc_root(self) -> str:
        return f"\\\\{self.login.host}\\{self.share_path}"

    def _session(self) -> None:
        if self._registered:
            return
        import smbclient

        smbclient.register_session(
            self.login.host,
            username=self.login.username,
            password=self.login.password,
            port=self.login.port,
            encrypt=False,
        )
        self._registered = True

    def entries(self) -> Iterator[Entry]:
        import smbclient

        self._session()
        yield from (e for e in self._walk(smbclient, self._unc_root, "") if not e.precheck)

    def precheck_entries(self) -> Iterator[Entry]:
        import smbclient

        self._session()
        yield from (e for e in self._walk(smbclient, self._unc_root, "") if e.precheck)

    def _walk(self, smbclient, unc: str, rel: str) -> Iterator[Entry]:
        items = sorted(smbclient.scandir(unc, port=self.login.port), key=lambda e: e.name)
        for item in items:
            if _ignored(item.name):
                continue
            child_rel = f"{rel}/{item.name}" if rel else item.name
            if item.is_dir():
                yield from self._walk(smbclient, f"{unc}\\{item.name}", child_rel)
            else:
                # the directory listing already carries size and time (a stat() would open a
                # new connection on the default port)
                info = item.smb_info
                mtime = info.last_write_time
                mtime = mtime.replace(tzinfo=dt.UTC) if mtime.tzinfo is None else mtime
                yield Entry(child_rel, info.end_of_file, mtime.astimezone(dt.UTC))

    def read(self, entry: Entry) -> bytes:
        import smbclient

        self._session()
        unc = self._unc_root + "\\" + entry.path.replace("/", "\\")
        with smbclient.open_file(unc, mode="rb", port=self.login.port) as fh:
            return fh.read()


def source_for(campaign: Campaign, override: Path | None = None) -> Source:
    """The campaign's drop zone (or ``override``, a folder given on the command line)."""
    if override is not None:
        return FolderSource(Path(override), name=f"{campaign.id}:{Path(override).resolve()}")
    zone = campaign.drop_zone
    if zone.kind == "smb":
        login = SmbLogin.from_connection(zone.connection_id)
        return SmbSource(login, zone.path, name=f"{campaign.id}:smb:{zone.path}")
    path = Path(zone.path)
    root = path if path.is_absolute() else settings().dropzone_dir / path
    return FolderSource(root, name=f"{campaign.id}:folder:{zone.path}")


def sources_for(campaign: Campaign) -> list[Source]:
    """Every drop zone of the campaign: its folder or share, then its mailboxes."""
    from campaign_ops.mailbox.source import mailbox_sources

    return [source_for(campaign), *mailbox_sources(campaign)]


def source_named(campaign: Campaign, name: str | None) -> Source:
    """The drop zone a batch came from (None: the folder or share, as before mailboxes)."""
    return next((s for s in sources_for(campaign) if s.name == name), None) or source_for(campaign)


def entry_to_dict(entry: Entry) -> dict:
    """JSON-safe form of an entry, to pass between DAG tasks."""
    return {"path": entry.path, "size": entry.size, "mtime": entry.mtime.isoformat()}


def entry_from_dict(data: dict) -> Entry:
    return Entry(data["path"], int(data["size"]), dt.datetime.fromisoformat(data["mtime"]))


class LocalFiles:
    """Files named one by one (``campaign-ops check``): each entry's path is the path as given,
    so its folders and name identify it as they would in a drop zone. ``round_folder`` puts
    every file in that round's folder, as if the unit had dropped it there."""

    name = "check"

    def __init__(self, paths: list[Path], round_folder: str | None = None):
        self._by_entry: dict[str, Path] = {}
        for p in paths:
            shown = PurePosixPath(p.as_posix())
            if round_folder:
                shown = shown.parent / round_folder / shown.name
            self._by_entry[str(shown)] = p

    def entries(self) -> Iterator[Entry]:
        for shown, p in self._by_entry.items():
            st = p.stat()
            yield Entry(shown, st.st_size, _utc(st.st_mtime))

    def read(self, entry: Entry) -> bytes:
        return self._by_entry[entry.path].read_bytes()
