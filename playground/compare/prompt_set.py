"""A prompt set: many inputs for one comparison, each run by every entry as a round of its own.

Written one per line (each line the prompt), or a CSV file (a header of input names, a row per
input) or a JSONL file (an object per line). Each input's values join the inputs every entry
shares; a mistake is one sentence naming the line and the field. A file field's value is an
http(s) URL or the name of a file in a zip uploaded with the set, or the set is itself in the zip
beside its files (`set_files.py`: the URL and zip checks, the files kept).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import blind
from .forms import FormProblem
from .session import CompareSession, RoundInput
from .set_files import SetFiles, SetZip, StoredFile
from .strict import MAX_INT, clean_text, problem

MAX_INPUTS = 1000
MAX_BYTES = 5 * 1024 * 1024
MAX_VALUE = 20_000  # characters of one value
MAX_FIELDS = 50


def read_set(lines: str | None, upload: Path | None, zip_path: Path | None,
             file_fields: frozenset[str], base: Path | None = None) -> list[dict[str, Any]]:
    """The set from what the form has: an uploaded CSV/JSONL file (or a zip holding one and
    its files), else the typed lines; `zip_path` a zip of files beside them. The values of
    `file_fields` must be URLs or files of the zip (those become `StoredFile`s)."""
    if upload is not None and upload.suffix.lower() == ".zip":
        if zip_path is not None:
            raise FormProblem("Upload one zip: the prompt set's zip already holds its files.")
        with SetZip(upload) as held:
            found = held.set_file(MAX_BYTES)
            if found is None:
                raise FormProblem("The zip holds no CSV or JSONL file: put the prompt set in "
                                  "it beside its files, or upload the set on its own.")
            return from_file(found[0], found[1], SetFiles(file_fields, held, base))
    if upload is not None and upload.stat().st_size > MAX_BYTES:  # refused before it is read
        raise FormProblem(f"The prompt set is larger than {MAX_BYTES // 2**20} MB.")
    with SetZip(zip_path) if zip_path is not None else contextlib.nullcontext() as held:
        files = SetFiles(file_fields, held, base)
        if upload is not None:
            return from_file(upload.name, upload.read_bytes(), files)
        return from_lines(str(lines or ""), files)


def from_lines(text: str, files: SetFiles | None = None) -> list[dict[str, Any]]:
    """One prompt per line, or a JSON object of inputs ({"prompt": ..., "seed": 3}: what
    History's "Add to the prompt set" writes for a run with more than a prompt); blank lines
    are skipped."""
    found = []
    for n, line in enumerate(_text(text).splitlines(), 1):
        line = line.strip()
        if line.startswith("{") and line.endswith("}") and _is_object(line):
            found.append(_object(line, n, files))
        elif line:
            found.append({"prompt": _value(line, n, "prompt")})
        if len(found) > MAX_INPUTS:
            break
    return _bounded(found)


def as_line(inputs: dict[str, Any]) -> str | None:
    """A run's inputs as one line of a prompt set: its prompt alone when that is all it has,
    else a JSON object of its text, number and yes/no inputs (files and secrets left out);
    None when it has none of them."""
    kept = {k: v for k, v in inputs.items()
            if isinstance(v, str | int | float | bool) and not isinstance(v, dict)}
    kept = {k: (" ".join(v.split()) if isinstance(v, str) else v) for k, v in kept.items()}
    if not kept:
        return None
    if list(kept) == ["prompt"]:
        return str(kept["prompt"])
    return json.dumps(kept, ensure_ascii=False)


def from_file(name: str, data: bytes, files: SetFiles | None = None) -> list[dict[str, Any]]:
    """A CSV (by its header) or JSONL file (by its name, else by its first character)."""
    if len(data) > MAX_BYTES:
        raise FormProblem(f"The prompt set is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = _text(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FormProblem("The prompt set is not UTF-8 text (save it as CSV UTF-8).") from None
    lower = name.lower()
    if lower.endswith((".jsonl", ".ndjson")) or (
            not lower.endswith(".csv") and text.lstrip().startswith("{")):
        return _jsonl(text, files)
    return _csv(text, files)


def _csv(text: str, files: SetFiles | None) -> list[dict[str, Any]]:
    rows = csv.reader(io.StringIO(text))
    try:
        header = next(rows)
    except StopIteration:
        raise FormProblem("The prompt set is empty.") from None
    except csv.Error as exc:
        raise FormProblem(f"Line 1 of the prompt set is not CSV: {exc}.") from None
    names = [_name(h.strip(), 1) for h in header]
    if len(set(names)) != len(names):
        raise FormProblem("Line 1 of the prompt set names a column twice.")
    found = []
    try:
        for row in rows:
            n = rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(names):
                raise FormProblem(f"Line {n} of the prompt set has {len(row)} values for "
                                  f"{len(names)} columns.")
            item = {names[i]: _cell(cell.strip(), n, names[i])
                    for i, cell in enumerate(row) if cell.strip()}
            found.append(_files(item, n, files))
            if len(found) > MAX_INPUTS:
                break
    except csv.Error as exc:
        raise FormProblem(f"Line {rows.line_num} of the prompt set is not CSV: {exc}.") from None
    return _bounded(found)


def _jsonl(text: str, files: SetFiles | None) -> list[dict[str, Any]]:
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        found.append(_object(line, n, files))
        if len(found) > MAX_INPUTS:
            break
    return _bounded(found)


def _is_object(line: str) -> bool:
    """Whether a typed line is a JSON object (else it is a prompt that starts with "{")."""
    try:
        return isinstance(json.loads(line), dict)
    except (json.JSONDecodeError, RecursionError, ValueError):
        return False


def _object(line: str, n: int, files: SetFiles | None = None) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except (json.JSONDecodeError, RecursionError, ValueError):
        raise FormProblem(f"Line {n} of the prompt set is not one JSON object.") from None
    if not isinstance(item, dict):
        raise FormProblem(f"Line {n} of the prompt set is not a JSON object ({{...}}).")
    if len(item) > MAX_FIELDS:
        raise FormProblem(f"Line {n} of the prompt set has more than {MAX_FIELDS} fields.")
    return _files({_name(k, n): _value(v, n, str(k)[:40]) for k, v in item.items()}, n, files)


def _files(item: dict[str, Any], n: int, files: SetFiles | None) -> dict[str, Any]:
    return {k: files.value(v, n, k) for k, v in item.items()} if files else item


def _text(text: str) -> str:
    try:
        return clean_text(text)
    except ValueError as exc:
        raise FormProblem(f"The prompt set {exc}.") from None


def _name(name: Any, line: int) -> str:
    if not isinstance(name, str) or not name or len(name) > 100 or not name.replace(
            "_", "a").isalnum():
        shown = str(name)[:40]
        raise FormProblem(f"Line {line} of the prompt set: {shown!r} is not an input's name "
                          "(letters, digits and _).")
    return name


def _cell(text: str, line: int, field: str) -> Any:
    """A CSV cell: a number or true/false as such, anything else as text."""
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return _value(kind(text), line, field)
        except ValueError:
            continue
    return _value(text, line, field)


def _value(value: Any, line: int, field: str) -> Any:
    where = f"Line {line} of the prompt set, field {field!r}"
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            raise FormProblem(f"{where}: the number is too large.")
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise FormProblem(f"{where}: not a finite number.")
        return value
    if isinstance(value, str):
        if len(value) > MAX_VALUE:
            raise FormProblem(f"{where}: longer than {MAX_VALUE:,} characters.")
        return value
    raise FormProblem(f"{where}: a list or an object; give one text or number per field.")


def _bounded(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not found:
        raise FormProblem("The prompt set has no inputs: write one per line, or upload a CSV "
                          "or JSONL file.")
    if len(found) > MAX_INPUTS:
        raise FormProblem(f"The prompt set has more than {MAX_INPUTS:,} inputs: split it.")
    return found


def plan(session: CompareSession, items: list[dict[str, Any]]) -> None:
    """`items` as the session's rounds, after those it has (each its own input; blind ones
    in an order each)."""
    first = session.last_round + 1
    for k, item in enumerate(items):
        kept = {name: v.name for name, v in item.items() if isinstance(v, StoredFile)}
        given = {name: v for name, v in item.items() if name not in kept}
        try:
            session.round_inputs.append(RoundInput(round=first + k, inputs=given, files=kept))
        except ValidationError as exc:
            raise FormProblem(f"Input {k + 1} of the prompt set cannot be kept in a "
                              f"comparison: {problem(exc)}.") from None
        blind.begin(session, first + k)


def missing(session: CompareSession) -> list[tuple[int, int]]:
    """The (round, entry) cells of the set with no finished run yet: what Resume runs (a
    succeeded or failed run is finished; a stopped one is not)."""
    done = {(r.round, r.entry) for r in session.runs if r.status in ("succeeded", "failed")}
    return [(r.round, i) for r in session.round_inputs for i in range(len(session.entries))
            if (r.round, i) not in done]


def progress_line(session: CompareSession, elapsed: float | None = None,
                  done_now: int = 0) -> str:
    """"14 of 40 done, about 2 min left" (the time from this pass's pace)."""
    total = len(session.round_inputs) * len(session.entries)
    left = len(missing(session))
    line = f"{total - left} of {total} done"
    failed = sum(r.status == "failed" for r in session.runs
                 if any(r.round == x.round for x in session.round_inputs))
    if failed:
        line += f" ({failed} failed)"
    if left and elapsed and done_now:
        seconds = elapsed / done_now * left
        line += f", about {_duration(seconds)} left"
    return line + "."


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    return f"{round(seconds / 60)} min"
