"""Putting a saved run back into its tab: "Open in its tab", and a reload that keeps the last run.

Each tab registers its input components by input name (and its run panel, and how it shows a
result); the History tab and the page load then fill any tab from a record, without knowing
its layout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.results import RunResult

Shows = Callable[[RunResult], dict[Any, Any]]


@dataclass
class TabForm:
    tab: str
    fields: dict[str, Any]  # input name -> component
    extras: dict[Any, Any] = field(default_factory=dict)  # component -> value, on every reopen
    panel: Any = None  # the tab's RunPanel (status, details, logs)
    shows: Shows | None = None  # a finished run -> updates of the tab's output components
    outputs: list[Any] = field(default_factory=list)  # the components `shows` updates


class Reopen:
    """Every tab's form, in the order the tabs were built."""

    def __init__(self) -> None:
        self.forms: dict[str, TabForm] = {}

    def register(self, tab: str, fields: dict[str, Any], *,
                 extras: dict[Any, Any] | None = None, panel: Any = None,
                 shows: Shows | None = None, outputs: list[Any] | None = None) -> None:
        self.forms[tab] = TabForm(tab, dict(fields), dict(extras or {}), panel, shows,
                                  list(outputs or []))

    def inputs(self) -> list[Any]:
        """Every registered input component, once each, in a fixed order."""
        seen: dict[int, Any] = {}
        for form in self.forms.values():
            for component in [*form.fields.values(), *form.extras]:
                seen.setdefault(id(component), component)
        return list(seen.values())

    def fill(self, tab: str, values: dict[str, Any]) -> dict[Any, Any]:
        """Updates putting `values` (input name -> value, files as Paths) into `tab`'s form."""
        form = self.forms.get(tab)
        if form is None:
            return {}
        out: dict[Any, Any] = {}
        for name, component in form.fields.items():
            if name in values and not _secret(values[name]):
                value = values[name]
                out[component] = str(value) if isinstance(value, Path) else value
        out.update(form.extras)
        return out


def _secret(value: Any) -> bool:
    return isinstance(value, dict) and "$secret" in value
