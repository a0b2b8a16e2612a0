"""Putting a saved run back into its tab: "Open in its tab", and a reload that keeps the last run.

Each tab adds its input components by input name, and how it shows a finished run; the History
tab and the page load then fill any tab from a record without knowing its layout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Shows = Callable[[Any, dict[str, Any]], dict[Any, Any]]  # (Run, input values) -> updates


@dataclass
class TabForm:
    tab: str
    fields: dict[str, Any] = field(default_factory=dict)  # input name -> component
    # filled by "Open in its tab" only, never by a reload (a chat's message box: its last
    # message is already in the conversation)
    opening: dict[str, Any] = field(default_factory=dict)
    extras: dict[Any, Any] = field(default_factory=dict)  # component -> value, on every reopen
    shows: Shows | None = None  # a finished run -> updates of the tab's outputs
    outputs: list[Any] = field(default_factory=list)  # what `shows` may update
    status: Any = None  # the tab's status line (a run that failed or was interrupted)


class Reopen:
    """Every tab's form, in the order the tabs were built."""

    def __init__(self) -> None:
        self.forms: dict[str, TabForm] = {}

    def add(self, tab: str, fields: dict[str, Any], *,
            extras: dict[Any, Any] | None = None, on_reload: bool = True) -> None:
        """More of `tab`'s inputs (calls add up: presets' fields, then the tab's own);
        `on_reload=False`: filled by "Open in its tab" only."""
        form = self.forms.setdefault(tab, TabForm(tab))
        (form.fields if on_reload else form.opening).update(fields)
        form.extras.update(extras or {})

    def shows(self, tab: str, outputs: list[Any], shows: Shows, status: Any) -> None:
        form = self.forms.setdefault(tab, TabForm(tab))
        form.outputs, form.shows, form.status = [*outputs, status], shows, status

    def inputs(self) -> list[Any]:
        """Every registered input component, once each, in a fixed order (what "Open in its
        tab" may update)."""
        return _unique(c for f in self.forms.values()
                       for c in [*f.fields.values(), *f.opening.values(), *f.extras])

    def components(self) -> list[Any]:
        """Inputs and outputs of every tab that a reload may update."""
        return _unique([c for f in self.forms.values()
                        for c in [*f.fields.values(), *f.extras, *f.outputs]])

    def fill(self, tab: str, values: dict[str, Any], *, reload: bool = False) -> dict[Any, Any]:
        """Updates putting `values` (input name -> value, files as Paths) into `tab`'s form
        (`reload`: the fields a reload fills)."""
        form = self.forms.get(tab)
        if form is None:
            return {}
        out: dict[Any, Any] = {}
        fields = form.fields if reload else {**form.fields, **form.opening}
        for name, component in fields.items():
            if name in values and not _secret(values[name]):
                value = values[name]
                out[component] = str(value) if isinstance(value, Path) else value
        out.update(form.extras)
        return out


def _unique(components: Any) -> list[Any]:
    seen: dict[int, Any] = {}
    for component in components:
        seen.setdefault(id(component), component)
    return list(seen.values())


def _secret(value: Any) -> bool:
    return isinstance(value, dict) and "$secret" in value
