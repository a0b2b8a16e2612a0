"""A prompt set's files: by URL, or from a zip uploaded with it (compare.prompt_set).

A file field's value is an `http(s)://` URL with a public-looking host (passed on as the input
value: the backend fetches it, and the engine refuses private addresses when it does), or the
name of a file inside the zip. The zip is hostile: its names, links, member count and sizes
(declared, and counted again while unpacking) are checked; a member is unpacked only into a
fresh folder the app made, under a name the app made, then kept by content hash beside the
comparison's other inputs (`forms.store_input_file`), from where the service uploads it as it
does any file. Every mistake is one sentence naming the line and the field.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from playground.addresses import is_public
from playground.config import data_dir

from .forms import PLAIN_SUFFIX, FormProblem, store_input_file

MAX_MEMBERS = 2000
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
SET_SUFFIXES = (".csv", ".jsonl", ".ndjson")
_CHUNK = 1024 * 1024
_MB = 1024 * 1024
# hosts that only ever mean this machine or its network, whatever they resolve to
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "metadata.google.internal")
_NUMBER = re.compile(r"0x[0-9a-f]*|[0-9]+")
_LOCAL_ENDS = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")


@dataclass(frozen=True)
class StoredFile:
    """A set's file from the zip, kept by the app: its name relative to the data dir."""

    name: str


def url_problem(value: str) -> str | None:
    """Why `value` is not an http(s) URL to a public-looking host (None when it is one). No
    name is looked up here: the backend's fetch checks the addresses it resolves to."""
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (a port out of range raises here)
    except ValueError:
        return "not a URL this app can pass on"
    if parts.scheme.lower() not in ("http", "https"):
        return "only http:// and https:// URLs are taken (not a local file or another scheme)"
    if parts.username is not None or parts.password is not None:
        return "a URL with a user name or password in it is not taken"
    if not host or any(c.isspace() for c in value):
        return "not a whole URL (no host, or a space in it)"
    host = host.rstrip(".").lower()
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        literal = True
    except ValueError:
        literal = False
    if literal and not is_public(host):
        return "its host is a private, local or reserved address; the model cannot fetch it"
    if not literal and (host in _LOCAL_NAMES or host.endswith(_LOCAL_ENDS) or "." not in host
                        or all(_NUMBER.fullmatch(p) for p in host.split("."))):
        # (an address written as a number, "2130706433" or "0x7f.1", is 127.0.0.1 to a fetch)
        return "its host is a local name; the model cannot fetch it"
    return None


class SetZip:
    """An uploaded zip, checked whole when opened (`FormProblem` for the first thing wrong)."""

    def __init__(self, path: Path | str) -> None:
        path = Path(path)
        if path.stat().st_size > MAX_TOTAL_BYTES:
            raise FormProblem(f"The zip is larger than {MAX_TOTAL_BYTES // _MB} MB.")
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
            raise FormProblem("The zip could not be read (it is not a zip file).") from None
        try:
            self.members = _members(self._zip.infolist())
        except FormProblem:
            self._zip.close()
            raise
        self._unpacked = 0  # bytes counted while unpacking, across every member
        self._kept: dict[str, StoredFile] = {}
        self._folder: Path | None = None

    def close(self) -> None:
        self._zip.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> SetZip:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def set_file(self, limit: int) -> tuple[str, bytes] | None:
        """The one CSV/JSONL file in the zip (a zip holding the set and its files), or None;
        one larger than `limit` bytes is refused before it is read."""
        found = [n for n in self.members if n.lower().endswith(SET_SUFFIXES)
                 and not n.startswith("__MACOSX/")  # a Mac's zip: resource forks beside
                 and not PurePosixPath(n).name.startswith("._")]
        if len(found) > 1:
            raise FormProblem(f"The zip holds {len(found)} CSV/JSONL files "
                              f"({', '.join(repr(n[:60]) for n in found[:3])}); "
                              "it may hold one prompt set.")
        if not found:
            return None
        if self.members[found[0]].file_size > limit:
            raise FormProblem(f"The prompt set is larger than {limit // _MB} MB.")
        return found[0], self._read(found[0])

    def lookup(self, value: str) -> str | None:
        """The member `value` names ("./" in front is the same name)."""
        name = value[2:] if value.startswith("./") else value
        return name if name in self.members else None

    def keep(self, name: str, base: Path | None) -> StoredFile:
        """Member `name` unpacked and kept by the app (once, however many lines name it)."""
        if name not in self._kept:
            root = base or data_dir()
            if self._folder is None:
                parent = root / "compare" / "unpacking"
                parent.mkdir(parents=True, exist_ok=True)
                self._folder = Path(tempfile.mkdtemp(dir=parent))
            # the app's name, never the member's; its suffix only when plain (store_input_file)
            suffix = PurePosixPath(name).suffix.lower()
            suffix = suffix if PLAIN_SUFFIX.fullmatch(suffix) else ""
            target = self._folder / f"{len(self._kept)}{suffix}"
            with target.open("wb") as out:
                for chunk in self._chunks(name):
                    out.write(chunk)
            self._kept[name] = StoredFile(store_input_file(target, root))
            target.unlink()
        return self._kept[name]

    def _read(self, name: str) -> bytes:
        return b"".join(self._chunks(name))

    def _chunks(self, name: str) -> Any:
        """The member's bytes, counted: past its declared size, the per-file or the total
        limit, unpacking stops (a zip's headers may lie)."""
        info = self.members[name]
        size = 0
        try:
            with self._zip.open(info) as member:
                while chunk := member.read(_CHUNK):
                    size += len(chunk)
                    self._unpacked += len(chunk)
                    if size > info.file_size or size > MAX_MEMBER_BYTES:
                        raise FormProblem(f"The zip's file {name[:80]!r} unpacks to more than "
                                          f"it says or than {MAX_MEMBER_BYTES // _MB} MB: "
                                          "refused.")
                    if self._unpacked > MAX_TOTAL_BYTES:
                        raise FormProblem("The zip's files unpack to more than "
                                          f"{MAX_TOTAL_BYTES // _MB} MB: refused.")
                    yield chunk
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError,
                ValueError) as exc:
            if isinstance(exc, FormProblem):
                raise
            raise FormProblem(f"The zip's file {name[:80]!r} could not be unpacked (damaged, "
                              "encrypted or an unknown compression).") from None


def _members(infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    if len(infos) > MAX_MEMBERS:
        raise FormProblem(f"The zip holds more than {MAX_MEMBERS:,} entries.")
    found: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        shown = name[:80]
        parts = name.split("/")
        if (not name or name.startswith("/") or "\\" in name or ":" in name or "\x00" in name
                or any(p in ("..", ".") for p in parts) or any(ord(c) < 32 for c in name)):
            raise FormProblem(f"The zip holds a file named {shown!r} (an absolute path, '..' "
                              "or a strange character): refused.")
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise FormProblem(f"The zip holds a link ({shown!r}): refused.")
        if info.is_dir():
            continue
        if kind not in (0, stat.S_IFREG):
            raise FormProblem(f"The zip holds {shown!r}, which is not a plain file: refused.")
        if info.flag_bits & 0x1:
            raise FormProblem(f"The zip's file {shown!r} is encrypted: refused.")
        if name in found:
            raise FormProblem(f"The zip holds {shown!r} twice.")
        if info.file_size > MAX_MEMBER_BYTES:
            raise FormProblem(f"The zip's file {shown!r} is larger than "
                              f"{MAX_MEMBER_BYTES // _MB} MB unpacked.")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise FormProblem(f"The zip's files are larger than {MAX_TOTAL_BYTES // _MB} MB "
                              "unpacked.")
        found[name] = info
    return found


class SetFiles:
    """Which fields of a set are files, and the zip that may hold them: turns each value."""

    def __init__(self, fields: frozenset[str], zip_file: SetZip | None = None,
                 base: Path | None = None) -> None:
        self.fields = fields
        self.zip = zip_file
        self.base = base

    def value(self, value: Any, line: int, field: str) -> Any:
        """A file field's URL as it is, a zip's file as a StoredFile; any other field's value
        that names a file in the zip is that file too."""
        where = f"Line {line} of the prompt set, field {field!r}"
        if isinstance(value, str) and self.zip is not None and (
                name := self.zip.lookup(value)) is not None:
            return self.zip.keep(name, self.base)
        if field not in self.fields:
            return value
        if not isinstance(value, str):
            raise FormProblem(f"{where}: a file goes here (an http(s) URL or the name of a "
                              "file in the zip).")
        if value.lower().startswith(("http://", "https://")) or "://" in value:
            if why := url_problem(value):
                raise FormProblem(f"{where}: {value[:80]!r}: {why}.")
            return value
        if self.zip is None:
            raise FormProblem(f"{where}: {value[:80]!r} is not an http(s) URL; a file goes "
                              "here by URL, or by its name in a zip uploaded with the set.")
        raise FormProblem(f"{where}: the zip holds no file named {value[:80]!r}.")
