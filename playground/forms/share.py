"""A setup in a link: the model and its non-file, non-secret inputs as a query string.

    ?model=local/rembg&input.model=u2netp

Inputs carry an `input.` prefix, so an input called `model` (Whisper has one) cannot clash.
Opening a link is forgiving: a value that no longer fits the schema is skipped and named,
and the rest still fills the form.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .fields import InputForm
from .values import InputProblem, coerce_value, is_default

PREFIX = "input."
MAX_QUERY = 8_000  # characters; browsers and proxies cut longer URLs


@dataclass
class SharedSetup:
    model: str | None
    values: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # plain words, one per value left out


def share_query(model: str, form: InputForm, values: Mapping[str, Any]) -> str:
    """The query string (without "?") for a model and the form's values. Files and secrets
    never go in a link; values equal to the schema's default are left out to keep it short."""
    pairs: list[tuple[str, str]] = [("model", model)]
    for f in form:
        value = values.get(f.name)
        if f.is_file or f.secret or value is None or value == "" or value == []:
            continue
        if is_default(f, value):
            continue
        if f.kind == "json":
            text = json.dumps(value, separators=(",", ":"), allow_nan=False)
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value)
        pairs.append((PREFIX + f.name, text))
    query = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)
    while len(query) > MAX_QUERY and len(pairs) > 1:  # drop the longest value, not the link
        pairs.remove(max(pairs[1:], key=lambda p: len(p[1])))
        query = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)
    return query


def model_from_query(params: Mapping[str, str] | str) -> str | None:
    """The `model` a link names (None when it names none)."""
    if isinstance(params, str):
        params = dict(urllib.parse.parse_qsl(params.lstrip("?"), keep_blank_values=True))
    model = params.get("model")
    return model.strip()[:300] if isinstance(model, str) and model.strip() else None


def read_query(form: InputForm, params: Mapping[str, str] | str) -> SharedSetup:
    """The setup a link carries, checked against the model's form."""
    if isinstance(params, str):
        params = dict(urllib.parse.parse_qsl(params.lstrip("?"), keep_blank_values=True))
    setup = SharedSetup(model_from_query(params))
    for key, text in params.items():
        if not key.startswith(PREFIX):
            continue
        name = key[len(PREFIX):]
        if name not in form:
            setup.skipped.append(f"{name[:40]} (not an input of this model)")
            continue
        f = form[name]
        if f.is_file or f.secret:
            setup.skipped.append(f"{f.label} (files and secrets are never taken from a link)")
            continue
        try:
            value = coerce_value(f, text)
        except InputProblem as exc:
            setup.skipped.append(str(exc))
            continue
        if value is not None:
            setup.values[name] = value
    return setup
