"""The demo file (`playground --demo FILE`): a host's controls for a room, read and checked.

```toml
[limits]
runs_per_visitor_per_hour = 20   # a visitor = a browser (its owner cookie); 0 = no limit
runs_per_address_per_hour = 100  # the backstop for cleared cookies (default 5x the above)
concurrent_runs_per_visitor = 1
concurrent_runs = 4              # at once on the backend in all; the rest wait in a line
max_waiting = 50                 # beyond this, "the room is full"
spend_cap_usd = 5.00             # estimated spend on the owner's token over the whole demo
max_run_seconds = 120            # a run past this is canceled
[show]
tabs = ["chat", "upscale", "background", "compare"]
models = ["local/*", "meta/*"]   # the Models tab and Compare offer and run only these
[kiosk]
idle_reset_minutes = 5           # a public screen clears itself after this idle time
banner = "Try it: be kind, it is shared."
[host]
user = "host"                    # the --auth user who sees the Host tab
on_this_computer = true          # a browser on this computer sees it too
join_url = ""                    # the address on the QR code (default: this server's)
```

Every key is optional; an unknown one, a negative number, a tab or a pattern that is not
there is a `DemoFileError` naming the key, said at start. Nothing here imports gradio or the
service: `cli.py` reads the file, checks it against the backend's models and prices
(`problems_with`), and hands the result to the service's gate and the page.
"""

from __future__ import annotations

import fnmatch
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 64 * 1024
MAX_BANNER = 500
# owner/name with `*` and `?` in either half (no version: a pattern names models)
_PATTERN = re.compile(r"^[A-Za-z0-9_.*?-]+/[A-Za-z0-9_.*?-]+$")
ADDRESS_FACTOR = 5  # runs_per_address_per_hour's default: a household's or a café's browsers


class DemoFileError(ValueError):
    """The demo file cannot be used as written; the message names the key and says why."""


@dataclass(frozen=True)
class Limits:
    """What each visitor and the whole room may run; 0 means no limit."""

    runs_per_visitor_per_hour: int = 0
    runs_per_address_per_hour: int | None = None  # None: ADDRESS_FACTOR x the visitor's
    concurrent_runs_per_visitor: int = 0
    concurrent_runs: int = 4
    max_waiting: int = 0
    spend_cap_usd: float = 0.0
    max_run_seconds: float = 0.0

    @property
    def address_runs_per_hour(self) -> int:
        if self.runs_per_address_per_hour is not None:
            return self.runs_per_address_per_hour
        return self.runs_per_visitor_per_hour * ADDRESS_FACTOR

    def changed(self, values: Mapping[str, Any]) -> Limits:
        """These limits with some changed (the host's view); checked as the file is."""
        merged = {f.name: getattr(self, f.name) for f in fields(self)}
        for key, value in values.items():
            if key not in merged:
                raise DemoFileError(f"unknown limit {key!r}")
            merged[key] = value
        return _limits(merged, "limits")


@dataclass(frozen=True)
class Show:
    """What the page offers: its tabs (empty: all) and the models of Models and Compare."""

    tabs: tuple[str, ...] = ()
    models: tuple[str, ...] = ()  # owner/name patterns; empty: every model

    def allows(self, model: str | None) -> bool:
        """Whether a model (`owner/name`, a version after `:` ignored) may be offered and run."""
        if not self.models:
            return True
        name = (model or "").partition(":")[0].lower()
        return any(fnmatch.fnmatchcase(name, p.lower()) for p in self.models)


@dataclass(frozen=True)
class Kiosk:
    idle_reset_minutes: float = 0.0  # 0: never
    banner: str = ""


@dataclass(frozen=True)
class Host:
    user: str = ""  # the --auth user who sees the Host tab ("": none by login)
    on_this_computer: bool = True  # a browser on this computer (loopback) sees it too
    join_url: str = ""  # the address on the QR code ("": this server's, as a visitor reaches it)


@dataclass(frozen=True)
class DemoSettings:
    limits: Limits = field(default_factory=Limits)
    show: Show = field(default_factory=Show)
    kiosk: Kiosk = field(default_factory=Kiosk)
    host: Host = field(default_factory=Host)
    source: str = ""  # the file's name, for messages

    def with_limits(self, limits: Limits) -> DemoSettings:
        return replace(self, limits=limits)


def load(path: str | Path, tab_ids: Iterable[str]) -> DemoSettings:
    """The demo file at `path`, checked key by key against the page's `tab_ids`."""
    where = Path(path)
    try:
        size = where.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DemoFileError(f"demo file {where.name}: {size:,} bytes; a demo file is at most "
                                f"{MAX_FILE_BYTES // 1024} KB")
        text = where.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise DemoFileError(f"demo file {where}: no such file") from None
    except UnicodeDecodeError:
        raise DemoFileError(f"demo file {where.name}: not UTF-8 text") from None
    except OSError as exc:
        raise DemoFileError(f"demo file {where}: cannot be read ({exc.strerror})") from None
    return parse(text, tab_ids, source=where.name)


def parse(text: str, tab_ids: Iterable[str], *, source: str = "demo file") -> DemoSettings:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DemoFileError(f"{source}: not valid TOML ({exc})") from None
    sections = {"limits", "show", "kiosk", "host"}
    for key, value in data.items():
        if key not in sections:
            raise DemoFileError(f"{source}: unknown section or key {key!r} (known sections: "
                                f"{', '.join(f'[{s}]' for s in sorted(sections))})")
        if not isinstance(value, dict):
            raise DemoFileError(f"{source}: {key!r} must be a section, [{key}]")
    try:
        limits = _limits(data.get("limits", {}), "limits")
        show = _show(data.get("show", {}), list(tab_ids))
        kiosk = _kiosk(data.get("kiosk", {}))
        host = _host(data.get("host", {}))
    except DemoFileError as exc:
        raise DemoFileError(f"{source}: {exc}") from None
    return DemoSettings(limits, show, kiosk, host, source)


def problems_with(settings: DemoSettings, known_models: Iterable[str], *,
                  paid: bool, priced: Callable[[str], bool],
                  models_run: Iterable[str] = ()) -> list[str]:
    """What the file asks that this server cannot do (one sentence each): a model pattern that
    matches none of the `known_models`; a spend cap on a paid backend (`paid`) when a model the
    shown tabs run (`models_run`) or a named model has no price."""
    found: list[str] = []
    known = sorted({m.partition(":")[0] for m in known_models if m})
    for pattern in settings.show.models:
        if not any(Show(models=(pattern,)).allows(m) for m in known):
            found.append(f"[show] models: {pattern!r} matches no model this playground knows "
                         f"(known here: {_listed(known)})")
    if settings.limits.spend_cap_usd > 0 and paid:
        named = [p for p in settings.show.models if not any(c in p for c in "*?")]
        run = [m.partition(":")[0] for m in models_run if settings.show.allows(m)]
        unpriced = sorted({m for m in [*run, *named] if not priced(m)})
        if unpriced:
            found.append("[limits] spend_cap_usd: these models have no price, so their spend "
                         f"cannot be counted: {_listed(unpriced)}. Add them to "
                         "playground/data/prices.toml, or remove the cap")
    return found


def _listed(names: list[str], most: int = 8) -> str:
    shown = ", ".join(names[:most]) or "none"
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _known(section: str, table: Mapping[str, Any], allowed: Iterable[str]) -> None:
    allowed = list(allowed)
    for key in table:
        if key not in allowed:
            raise DemoFileError(f"unknown key [{section}] {key} (known: {', '.join(allowed)})")


def _number(section: str, key: str, value: Any, *, whole: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DemoFileError(f"[{section}] {key} must be a number, not {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise DemoFileError(f"[{section}] {key} must be 0 or more (0: no limit), not {value}")
    if whole and value != int(value):
        raise DemoFileError(f"[{section}] {key} must be a whole number, not {value}")
    if value > 10**9:
        raise DemoFileError(f"[{section}] {key} is too large ({value}); use 0 for no limit")
    return value


def _limits(table: Mapping[str, Any], section: str) -> Limits:
    names = [f.name for f in fields(Limits)]
    _known(section, table, names)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "runs_per_address_per_hour" and value is None:
            continue
        whole = key not in ("spend_cap_usd", "max_run_seconds")
        number = _number(section, key, value, whole=whole)
        values[key] = int(number) if whole else float(number)
    return Limits(**values)


def _strings(section: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DemoFileError(f"[{section}] {key} must be a list of names, like [\"chat\"]")
    return tuple(v.strip() for v in value)


def _show(table: Mapping[str, Any], tab_ids: list[str]) -> Show:
    _known("show", table, ["tabs", "models"])
    tabs = _strings("show", "tabs", table.get("tabs", []))
    for tab in tabs:
        if tab not in tab_ids:
            raise DemoFileError(f"[show] tabs: no tab {tab[:40]!r} (tabs: {', '.join(tab_ids)})")
    if "tabs" in table and not tabs:
        raise DemoFileError("[show] tabs is empty: name at least one tab, or leave the key out "
                            "to show them all")
    models = _strings("show", "models", table.get("models", []))
    for pattern in models:
        if not _PATTERN.match(pattern):
            raise DemoFileError(f"[show] models: {pattern[:60]!r} is not an owner/name pattern "
                                "(like \"meta/*\" or \"local/whisper-tiny\")")
    return Show(tuple(dict.fromkeys(tabs)), tuple(dict.fromkeys(models)))


def _text(section: str, key: str, value: Any, most: int) -> str:
    if not isinstance(value, str):
        raise DemoFileError(f"[{section}] {key} must be text in quotes")
    if len(value) > most:
        raise DemoFileError(f"[{section}] {key} is {len(value)} characters; at most {most}")
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise DemoFileError(f"[{section}] {key} holds control characters")
    return value.strip()


def _kiosk(table: Mapping[str, Any]) -> Kiosk:
    _known("kiosk", table, ["idle_reset_minutes", "banner"])
    minutes = _number("kiosk", "idle_reset_minutes", table.get("idle_reset_minutes", 0),
                      whole=False)
    if 0 < minutes < 0.25:
        raise DemoFileError("[kiosk] idle_reset_minutes must be at least 0.25 (15 s), or 0")
    return Kiosk(float(minutes), _text("kiosk", "banner", table.get("banner", ""), MAX_BANNER))


def _host(table: Mapping[str, Any]) -> Host:
    _known("host", table, ["user", "on_this_computer", "join_url"])
    user = _text("host", "user", table.get("user", ""), 100)
    here = table.get("on_this_computer", True)
    if not isinstance(here, bool):
        raise DemoFileError("[host] on_this_computer must be true or false")
    join = _text("host", "join_url", table.get("join_url", ""), 500)
    if join and not re.match(r"^https?://[^\s/]+", join):
        raise DemoFileError("[host] join_url must be an http:// or https:// address")
    return Host(user, here, join)
