"""Export and load a session: one JSON file, and a self-contained HTML report.

The JSON holds everything needed to replay (pinned versions, inputs, the seed, metrics, votes and
the names of the local output files, relative to the data directory). The HTML report embeds every
image as a data URI, so it can be mailed or attached to a ticket as a single file.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import os
import threading
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from playground.results import format_seconds

from .forms import TASKS
from .prices import cost_note, cost_text
from .safe_files import SessionFileRefused
from .session import CompareSession, Run, check_session_files, resolve_name
from .strict import problem
from .verdicts import VOTE_WORDS, round_findings

EMBED_LIMIT = 20 * 1024 * 1024  # files bigger than this are named in the report, not embedded


def export_json(session: CompareSession, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, session.model_dump_json(indent=2))
    return path


def write_text_atomic(path: Path, text: str) -> None:
    """Written whole or not at all: a reader (a download, a reload) never sees half a file."""
    part = path.with_name(f".part-{os.getpid()}-{threading.get_ident()}-{path.name}")
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)


def load_json(source: Path | str | bytes, base: Path | None = None) -> CompareSession:
    """A session from an exported file (a path, or the file's bytes / text).

    Raises pydantic's ValidationError for what is not a session, SessionFileRefused when it
    names a file that is not one of this app's (see `safe_files`)."""
    is_text = isinstance(source, str) and source.lstrip().startswith("{")
    if isinstance(source, Path) or (isinstance(source, str) and not is_text):
        source = Path(source).read_bytes()
    # Python's reader keeps what the file holds (NaN, a lone surrogate, a 400-digit number), so
    # the session's own checks refuse it naming the field, not a position in the text.
    try:
        data = json.loads(source)
    except RecursionError:
        raise ValueError("it is nested too deeply to be read") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"it is not JSON: {exc.msg.lower()} at character {exc.pos + 1}") from None
    except ValueError:  # not UTF-8, or a number with thousands of digits
        raise ValueError("it is not JSON text this app wrote") from None
    session = CompareSession.model_validate(data)
    check_session_files(session, base)
    return session


def load_problem(exc: Exception) -> str:
    """One plain sentence for why a file could not be loaded as a session."""
    if isinstance(exc, SessionFileRefused):
        return str(exc)
    if isinstance(exc, ValidationError):
        return f"That file is not an exported comparison ({problem(exc)})."
    if isinstance(exc, OSError):
        return f"That file could not be read ({exc.strerror or type(exc).__name__})."
    return f"That file is not an exported comparison ({str(exc)[:200]})."


def missing_files(session: CompareSession, base: Path | None = None) -> list[str]:
    """Output (and input) files the session names that are not on this machine."""
    names = [n for r in session.runs for n in r.files] + list(session.input_files.values())
    names += [n for e in session.entries for n in e.files.values()]
    names += [n for r in session.round_inputs for n in r.files.values()]
    names += [g.image for g in session.grids if g.image]
    return [n for n in names if not resolve_name(n, base).is_file()]


# -- HTML ------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1a1a1a;max-width:1400px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f3f3f3}
.panes{display:grid;gap:12px;grid-template-columns:repeat(auto-fit,minmax(260px,1fr))}
.pane{border:1px solid #ccc;border-radius:6px;padding:10px}
.pane img{max-width:100%;height:auto;background:#eee}
.status-failed{color:#b00020}.vote{font-weight:600}
pre{white-space:pre-wrap;background:#f7f7f7;padding:8px;border-radius:4px}
.note{color:#666;font-size:12px;overflow-wrap:anywhere}
"""


def _data_uri(path: Path) -> str | None:
    if not path.is_file() or path.stat().st_size > EMBED_LIMIT:
        return None
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _file_html(name: str, base: Path | None) -> str:
    path = resolve_name(name, base)
    uri = _data_uri(path)
    label = html.escape(Path(name).name)
    if uri is None:
        return f'<p class="note">{label} (not embedded: missing or too large)</p>'
    if uri.startswith("data:image/"):
        return f'<img src="{uri}" alt="{label}">'
    if uri.startswith("data:audio/"):
        return f'<audio controls src="{uri}"></audio>'
    return f'<a download="{label}" href="{uri}">{label}</a>'


def _fmt_time(value: float | None) -> str:
    return format_seconds(value, 2)


def _jsonish(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return html.escape(text if len(text) <= 200 else text[:199] + "…")


def _settings(values: dict[str, Any], files: dict[str, str]) -> str:
    """An entry's own settings as name = value lines (files by their names)."""
    shown = [f"{k} = {v if isinstance(v, str) else json.dumps(v)}" for k, v in values.items()]
    shown += [f"{k} = {Path(v).name}" for k, v in files.items()]
    return "<br>".join(html.escape(s if len(s) <= 200 else s[:199] + "…") for s in shown)


def _pane(session: CompareSession, run: Run, base: Path | None) -> str:
    verdict = session.verdict(run.round, run.entry)
    parts = [
        '<div class="pane">',
        f"<h3>{html.escape(session.entries[run.entry].title)}</h3>",
        f'<p class="status-{html.escape(run.status)}">{html.escape(run.shown_status)}'
        f" · model time {_fmt_time(run.metrics.get('predict_time'))}"
        f" · total {_fmt_time(run.metrics.get('total_time'))}"
        f" · {html.escape(cost_text(run.model, run.cost_usd))}</p>",
        f'<p class="note">{html.escape(run.pinned_ref or "")}'
        f"{' · ' + html.escape(run.prediction_id) if run.prediction_id else ''}</p>",
    ]
    parts += [_file_html(n, base) for n in run.files]
    if run.text:
        parts.append(f"<pre>{html.escape(run.text)}</pre>")
    if run.error:
        # errors may come worded in Markdown for the app; the report shows plain text
        error = run.error.replace("**", "")
        parts.append(f'<pre class="status-failed">{html.escape(error)}</pre>')
    if verdict:
        parts.append(f'<p class="vote">Your vote: {VOTE_WORDS[verdict]} the others</p>')
    parts.append("</div>")
    return "\n".join(parts)


def render_html(session: CompareSession, base: Path | None = None) -> str:
    """The whole session as one HTML page with no external references."""
    esc = html.escape
    models = [next((r.model for r in session.runs if r.entry == i and r.model), e.ref)
              for i, e in enumerate(session.entries)]
    rows = "".join(
        f"<tr><td>{esc(s.label)}</td><td>{s.runs}</td><td>{s.succeeded}</td><td>{s.wins}</td>"
        f"<td>{s.losses}</td><td>{s.ties}</td><td>{_fmt_time(s.mean_predict_time)}</td>"
        f"<td>{_fmt_time(s.mean_total_time)}</td>"
        f"<td>{esc(cost_text(models[s.entry], s.mean_cost_usd))}</td></tr>"
        for s in session.summary()
    )
    entries = "".join(
        f"<tr><td>{i + 1}</td><td>{esc(e.title)}</td><td>{esc(e.ref)}</td>"
        f"<td>{_settings(e.overrides, e.files)}</td></tr>"
        for i, e in enumerate(session.entries)
    )
    inputs = "".join(
        f"<tr><th>{esc(k)}</th><td>{_jsonish(v)}</td></tr>" for k, v in session.inputs.items()
    )
    inputs += "".join(
        f"<tr><th>{esc(k)}</th><td>{_file_html(v, base)}</td></tr>"
        for k, v in session.input_files.items()
    )
    seed = "not pinned" if session.seed is None else str(session.seed)
    rounds = []
    for round_no in sorted({r.round for r in session.runs}):
        panes = "\n".join(_pane(session, r, base) for r in session.round_runs(round_no))
        found = "".join(f"<li>{esc(line)}</li>"
                        for line in round_findings(session, base, round_no))
        rounds.append(f"<h2>Round {round_no}</h2>\n<ul>{found}</ul>\n"
                      f"<div class=\"panes\">{panes}</div>")
    for grid in session.grids:
        caption = f"{grid.ref}: {grid.x_name}" + (f" x {grid.y_name}" if grid.y_name else "")
        image = _file_html(grid.image, base) if grid.image else "<p>no image</p>"
        rounds.append(f"<h2>Grid · {esc(caption)}</h2>\n{image}")
    title = f"Comparison: {esc(TASKS.get(session.task, session.task))}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{_CSS}</style></head><body>
<h1>{title}</h1>
<p class="note">Made {esc(session.created_at.strftime("%Y-%m-%d %H:%M UTC"))}.
{esc(cost_note(models))}</p>
<h2>Summary</h2>
<table><tr><th>entry</th><th>runs</th><th>finished</th><th>voted better</th>
<th>voted not as good</th><th>voted the same</th><th>model time (mean)</th>
<th>total time (mean)</th><th>cost (mean)</th></tr>{rows}</table>
{_room(session)}
<h2>Entries</h2>
<table><tr><th>#</th><th>entry</th><th>model</th><th>its own settings</th></tr>{entries}
</table>
<h2>What every entry got</h2>
<table><tr><th>seed</th><td>{seed}</td></tr>{inputs}</table>
{"".join(rounds)}
</body></html>
"""


def _room(session: CompareSession) -> str:
    """The room's votes (a session shared for voting), per round and entry."""
    if not session.room_votes:
        return ""
    esc = html.escape
    parts = ["<h2>Votes from the room</h2>"]
    for round_no in sorted({v.round for v in session.room_votes}):
        votes = [v for v in session.room_votes if v.round == round_no]
        voters = len({v.voter for v in votes})
        rows = "".join(
            f"<tr><td>{esc(e.title)}</td>"
            + "".join(f"<td>{sum(v.entry == i and v.verdict == verdict for v in votes)}</td>"
                      for verdict in ("better", "worse", "tie")) + "</tr>"
            for i, e in enumerate(session.entries))
        parts.append(f"<p>Round {round_no}: {voters} browser{'s' * (voters != 1)}, "
                     f"{len(votes)} votes.</p><table><tr><th>entry</th><th>better than the "
                     "others</th><th>not as good</th><th>about the same</th></tr>"
                     f"{rows}</table>")
    return "\n".join(parts)


def export_html(session: CompareSession, path: Path, base: Path | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(session, base), encoding="utf-8")
    return path
