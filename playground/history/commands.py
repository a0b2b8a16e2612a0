"""`playground history export|prune|clear`: the history from the command line.

    playground history                       how many runs, how much disk, the cap
    playground history export [-o FILE.zip] [--owner ID]
    playground history prune [--max-size 5GB] [--older-than 30d]
    playground history clear --yes [--owner ID]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import zipfile
from pathlib import Path

from playground.files import human_size
from playground.history.record import Scope
from playground.history.store import DEFAULT_MAX_BYTES, RunStore

MAX_SIZE_ENV = "PLAYGROUND_HISTORY_MAX_SIZE"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def parse_size(text: str) -> int:
    """"5GB", "500 MB", "2G", "1.5GiB", "1000000" -> bytes (kB/MB/GB decimal, KiB/GiB binary)."""
    found = _SIZE.match(text or "")
    if not found:
        raise ValueError(f"{text!r} is not a size (examples: 5GB, 500MB)")
    unit = (found.group(2) or "").lower()
    letter = unit[:1] if unit[:1] in ("k", "m", "g", "t") else ""
    power = ("", "k", "m", "g", "t").index(letter)
    return int(float(found.group(1)) * (1024 if "i" in unit else 1000) ** power)


def parse_age(text: str) -> float:
    """"30d", "12h", "2w" -> seconds."""
    found = _AGE.match(text or "")
    if not found:
        raise ValueError(f"{text!r} is not an age (examples: 30d, 12h, 2w)")
    return float(found.group(1)) * _SECONDS[found.group(2).lower()]


def max_size_from_env(default: int = DEFAULT_MAX_BYTES) -> int:
    value = os.environ.get(MAX_SIZE_ENV)
    return parse_size(value) if value else default


def export(store: RunStore, dest: Path, scope: Scope | None = None) -> tuple[int, int]:
    """A zip of `history.jsonl` (one record a line, newest first) and `files/<name>`:
    (runs, files) written."""
    chosen = scope or Scope.shared()
    runs = files = 0
    seen: set[str] = set()
    tmp = dest.with_name(f".{dest.name}.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        lines: list[str] = []
        cursor: str | None = None
        while True:
            page = store.page(chosen, cursor=cursor, limit=200)
            for record in page.runs:
                lines.append(json.dumps(record.to_json(), ensure_ascii=False))
                runs += 1
                for ref in record.files:
                    path = store.file_path(ref.name)
                    if ref.name in seen or path is None or not path.is_file():
                        continue
                    seen.add(ref.name)
                    archive.write(path, f"files/{ref.name}")
                    files += 1
            cursor = page.next_cursor
            if cursor is None:
                break
        archive.writestr("history.jsonl", "\n".join(lines) + ("\n" if lines else ""))
    os.replace(tmp, dest)
    return runs, files


def main(argv: list[str], data_dir: Path) -> int:
    parser = argparse.ArgumentParser(prog="playground history",
                                     description="The history of runs kept in the data folder")
    sub = parser.add_subparsers(dest="command")
    ex = sub.add_parser("export", help="write every run and its files to a zip")
    ex.add_argument("-o", "--output", type=Path, default=None)
    ex.add_argument("--owner", default=None, help="only this browser's runs (its owner id)")
    pr = sub.add_parser("prune", help="delete the oldest runs and their unshared files")
    pr.add_argument("--max-size", default=None,
                    help=f"keep the files under this size (default: ${MAX_SIZE_ENV} or "
                    f"{human_size(DEFAULT_MAX_BYTES)})")
    pr.add_argument("--older-than", default=None, help="also delete runs older than this (30d)")
    cl = sub.add_parser("clear", help="delete every run and its files")
    cl.add_argument("--yes", action="store_true", help="really delete them")
    cl.add_argument("--owner", default=None, help="only this browser's runs")
    args = parser.parse_args(argv)
    try:
        return _run(args, data_dir)
    except ValueError as exc:
        print(f"playground history: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, data_dir: Path) -> int:
    store = RunStore(data_dir, max_bytes=None)
    try:
        everyone = Scope.shared()
        if args.command is None:
            runs = _count(store.count(everyone), "run")
            print(f"{runs}, {human_size(store.usage())} of files, cap "
                  f"{human_size(max_size_from_env())} ({store.path})")
            return 0
        scope = Scope.of(args.owner) if getattr(args, "owner", None) else None
        if args.command == "export":
            dest = args.output or Path(f"playground-history-{time.strftime('%Y%m%d-%H%M%S')}.zip")
            runs, files = export(store, dest, scope)
            print(f"exported {_count(runs, 'run')} and {_count(files, 'file')} to {dest}")
            return 0
        if args.command == "prune":
            cap = parse_size(args.max_size) if args.max_size else max_size_from_env()
            cutoff = time.time() - parse_age(args.older_than) if args.older_than else None
            done = store.prune(cap, older_than=cutoff)
            print(f"pruned {_count(done.runs, 'run')} and {_count(done.files, 'file')} "
                  f"({human_size(done.bytes)}); "
                  f"{human_size(store.usage())} kept")
            return 0
        if not args.yes:
            count = store.count(scope or everyone)
            print(f"this deletes {_count(count, 'run')} and their files; run again with --yes",
                  file=sys.stderr)
            return 1
        done = store.clear(scope)
        print(f"deleted {_count(done.runs, 'run')} and {_count(done.files, 'file')} "
              f"({human_size(done.bytes)})")
        return 0
    finally:
        store.close()
