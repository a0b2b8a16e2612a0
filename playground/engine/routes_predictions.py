"""`/v1/predictions`, `/v1/models/{o}/{n}/predictions` and the SSE stream URLs."""

from __future__ import annotations

import math
import re
import secrets
import time
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from . import kept, redact, sse
from .bodies import RETRY_AFTER, Body, read_json
from .ids import new_id
from .inputs import (
    INLINE_DATA_URI_MAX,
    InvalidInput,
    TooLarge,
    data_uri_chars,
    keep_data_uris,
    refuse_oversized,
    validate,
)
from .jobs import TERMINAL, Job, public
from .paging import decode_cursor, link, page_size
from .problems import Problem, invalid_input, not_found
from .responses import JSON
from .runner import ModelEntry
from .spool import SpooledBody
from .state import Engine
from .store import valid_id
from .webhooks import EVENTS

MAX_WAIT = 60
MIN_CANCEL_AFTER = 5.0
MAX_CANCEL_AFTER = 7 * 24 * 3600.0
_DURATION = re.compile(
    r"^(?:([0-9]{1,9})h)?(?:([0-9]{1,9})m)?(?:([0-9]{1,12}(?:\.[0-9]{1,9})?)s)?$")
_VERSION = re.compile(r"^[0-9a-f]{64}$")


def parse_wait(header: str | None) -> float | None:
    for pref in (header or "").split(","):
        name, _, value = pref.strip().partition("=")
        if name.strip().lower() == "wait":
            if not value:
                return MAX_WAIT
            try:
                return float(min(max(int(value.strip()), 1), MAX_WAIT))
            except ValueError as exc:
                raise Problem(400, "Prefer: wait=N needs N in seconds (1-60)") from exc
    return None


def parse_cancel_after(header: str | None) -> float | None:
    if not header:
        return None
    text = header.strip().lower()
    detail = f"invalid Cancel-After duration {header[:40]!r} (e.g. 30s, 5m, 1h30m)"
    if re.fullmatch(r"[0-9]{1,12}(?:\.[0-9]{1,9})?", text):
        seconds = float(text)
    else:
        m = _DURATION.match(text)
        if not m or not any(m.groups()):
            raise Problem(400, detail)
        h, mins, s = m.groups()
        seconds = int(h or 0) * 3600 + int(mins or 0) * 60 + float(s or 0)
    if not math.isfinite(seconds) or seconds > MAX_CANCEL_AFTER:
        raise Problem(400, f"{detail[:-1]}; at most {MAX_CANCEL_AFTER / 86400:.0f} days)")
    return max(seconds, MIN_CANCEL_AFTER)


def _engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def _resolve(engine: Engine, ref: Any) -> ModelEntry:
    if not isinstance(ref, str) or not ref:
        raise invalid_input([{"type": "required", "field": "version",
                              "description": "version is required"}])
    if _VERSION.match(ref):
        entry = engine.versions.get(ref)
        if entry is None:
            raise not_found(f"version {ref}")
        return entry
    model_ref, _, version = ref.partition(":")
    entry = engine.models.get(model_ref)
    if entry is None:
        raise not_found(f"model {model_ref}")
    if version and version != entry.version_id:
        raise not_found(f"version {version} of {model_ref}")
    return entry


def _is_http_url(url: Any) -> bool:
    if not isinstance(url, str) or len(url) > 2048 or re.search(r"[\x00-\x20\x7f]", url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and (
            parts.port is None or parts.port > 0)
    except ValueError:  # a bad port or IPv6 literal
        return False


def _webhook(body: dict[str, Any]) -> tuple[str | None, list[str] | None]:
    url = body.get("webhook")
    if url is None or url == "":
        return None, None
    if not _is_http_url(url):
        raise invalid_input([{"type": "format", "field": "webhook",
                              "description": "webhook must be an http(s) URL"}])
    events = body.get("webhook_events_filter")
    if events is not None and (
        not isinstance(events, list) or any(e not in EVENTS for e in events)
    ):
        raise invalid_input([{"type": "enum", "field": "webhook_events_filter",
                              "description": f"webhook_events_filter items must be in {EVENTS}"}])
    return url, events


async def _accept_input(request: Request, entry: ModelEntry, raw: Any, pid: str,
                        spool: SpooledBody | None) -> dict[str, Any]:
    """The door for `input`: sizes first (cheap), then the schema, then data URIs decoded,
    long ones kept as files of prediction `pid`. Nothing is left behind when it refuses."""
    engine, limit = _engine(request), request.app.state.max_file_size
    try:
        refuse_oversized(entry.input_schema, raw, limit, spool)
        cleaned = validate(entry.input_schema, entry.model.Input, raw)
        chars = data_uri_chars(entry.input_schema, cleaned, spool)
        if not chars:
            return cleaned
        args = (entry.input_schema, cleaned, partial(engine.outputs.keep, pid), limit, spool)
        if chars <= INLINE_DATA_URI_MAX:  # a small one decodes faster than a thread hop
            return keep_data_uris(*args)
        return await run_in_threadpool(keep_data_uris, *args)  # megabytes: off the loop
    except InvalidInput as exc:
        engine.outputs.discard(pid)
        raise invalid_input(exc.fields) from None
    except (TooLarge, kept.TooBig) as exc:
        engine.outputs.discard(pid)
        raise Problem(413, f"{exc}: upload big files with POST /v1/files") from None
    except kept.Full:
        engine.outputs.discard(pid)
        raise Problem(429, "the engine's room for input files is taken by predictions still "
                           f"running: try again in {RETRY_AFTER} seconds",
                      headers={"Retry-After": str(RETRY_AFTER)}) from None
    except BaseException:
        engine.outputs.discard(pid)
        raise


async def _create(request: Request, entry: ModelEntry, read: Body) -> Response:
    engine = _engine(request)
    read.restore_outside_files(entry.input_schema)
    body = read.value
    base = engine.base_url(request)
    wait = parse_wait(request.headers.get("prefer"))
    cancel_after = parse_cancel_after(request.headers.get("cancel-after"))
    raw_input = {} if body.get("input") is None else body.get("input")
    webhook, events = _webhook(body)
    pid = new_id()
    cleaned = await _accept_input(request, entry, raw_input, pid, read.spool)
    read.close()  # its spool file and large-body slot are not held through `Prefer: wait`
    shown, hidden = redact.split_secrets(cleaned, entry.secret_inputs)
    # a valid request for a model that cannot run here is created, then failed with the reason
    reason = entry.model.availability()
    now = time.time()
    rec: dict[str, Any] = {
        "id": pid, "model": entry.model.ref, "version": entry.version_id,
        "input": shown, "output": None, "error": None, "logs": "", "status": "starting",
        "created_ts": now, "metrics": {},
        "stream_token": secrets.token_urlsafe(24) if entry.model.streams else None,
        "webhook": webhook, "webhook_events_filter": events,
        "deadline_ts": now + cancel_after if cancel_after else None,
    }
    job = Job(rec, base, hidden)
    if reason:
        engine.runner.fail_now(job, f"{entry.model.ref} is unavailable: {reason}")
    else:
        engine.runner.submit(entry, job, held=bool(wait))
    if wait:
        await job.wait_done(max(wait - 0.4, 0.1))
    out = job.public(base)
    if wait and out["status"] not in TERMINAL:
        engine.runner.ensure_saved(job)
        out["status"] = "starting"  # both clients' run() treat anything else as finished
    return JSON(out, status_code=201)


async def _body(request: Request) -> Body:
    engine = _engine(request)
    return await read_json(request, engine.large_bodies, engine.spool_dir)


async def create_prediction(request: Request) -> Response:
    body = await _body(request)
    try:
        entry = _resolve(_engine(request), body.value.get("version"))
        return await _create(request, entry, body)
    finally:
        body.close()


async def create_model_prediction(request: Request) -> Response:
    body = await _body(request)
    try:
        ref = f"{request.path_params['owner']}/{request.path_params['name']}"
        entry = _engine(request).models.get(ref)
        if entry is None:
            raise not_found(f"model {ref}")
        return await _create(request, entry, body)
    finally:
        body.close()


def _get_rec(engine: Engine, pid: str) -> dict[str, Any]:
    rec = engine.runner.get(pid) if valid_id(pid) else None
    if rec is None:
        raise not_found("prediction")
    return rec


async def get_prediction(request: Request) -> Response:
    engine = _engine(request)
    rec = _get_rec(engine, request.path_params["id"])
    return JSON(public(rec, engine.base_url(request)))


async def cancel_prediction(request: Request) -> Response:
    engine = _engine(request)
    pid = request.path_params["id"]
    _get_rec(engine, pid)
    job = engine.runner.active.get(pid)
    if engine.runner.cancel(pid) and job is not None:
        await job.wait_done(2.0)  # most models stop at their next check()
    return JSON(public(_get_rec(engine, pid), engine.base_url(request)))


async def list_predictions(request: Request) -> Response:
    engine = _engine(request)
    base = engine.base_url(request)
    size = page_size(request)
    cursor = decode_cursor(request)
    before = cursor[1] if cursor and cursor[0] == "lt" else None
    after = cursor[1] if cursor and cursor[0] == "gt" else None
    rows = engine.store.list_predictions(size, before=before, after=after)
    results = []
    for _, rec in rows:
        live = engine.runner.active.get(rec["id"])
        results.append(public(live.snapshot() if live else rec, base))
    nxt = prev = None
    if rows:
        first, last = rows[0][0], rows[-1][0]
        if engine.store.has_predictions(before=last):
            nxt = link(request, base, "lt", last)
        if engine.store.has_predictions(after=first):
            prev = link(request, base, "gt", first)
    return JSON({"previous": prev, "next": nxt, "results": results})


async def stream(request: Request) -> Response:
    engine = _engine(request)
    token = request.path_params["token"]
    rec = engine.store.prediction_by_stream(token)
    if rec is None:
        raise not_found("stream")
    base = engine.base_url(request)
    job = engine.runner.active.get(rec["id"])
    if job is not None:
        body = sse.job_stream(job, base, engine.keepalive)
    else:
        # finished: the store has the final record (it is saved before leaving `active`)
        rec = engine.store.get_prediction(rec["id"]) or rec
        entry = engine.models.get(rec["model"])
        pieces = bool(entry and entry.model.streams)
        body = sse.replay_stream(sse.replay_events(rec, pieces), base)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)


routes = [
    Route("/v1/predictions", create_prediction, methods=["POST"]),
    Route("/v1/predictions", list_predictions, methods=["GET"]),
    Route("/v1/predictions/{id}", get_prediction, methods=["GET"]),
    Route("/v1/predictions/{id}/cancel", cancel_prediction, methods=["POST"]),
    Route("/v1/models/{owner}/{name}/predictions", create_model_prediction, methods=["POST"]),
    Route("/v1/deployments/{owner}/{name}/predictions", create_model_prediction,
          methods=["POST"]),
    Route("/v1/streams/{token}", stream, methods=["GET"]),
]
