"""The task table: every tab of the page, in order, and what each task tab is called where.

One row per task tab. Three public names meet in a row, and each stays what it has always been
because something outside the code holds on to it:

- `id`, the task ("rembg"): a preset file's `task = "rembg"`, the `task` of every run stored in
  the history (old databases keep it), the service's task (`Service.run_task("rembg", ...)`).
- `tab`, the tab ("background"): the page's address (`?tab=background`), `playground --tab
  background`, the endpoint names (`/background`, `/background_preset`, ...), the components'
  `elem_id`s and the `tab` of a stored run.
- `compare`, the Compare group ("image-to-image"): the comparison a run of the task joins, and
  the `task` of a saved Compare session.

Inside the code a task is its row, so no second list of names is kept anywhere:
`tasks.by_tab("background").id == "rembg"`, `tasks.by_id("rembg").tab == "background"`.
The tab order, the tab labels, the History's labels, the presets' tasks and Compare's groups
are all read from `TABLE`; a tab module finds its own row (`tasks.by_module(__name__)`).

No imports from the rest of the project: this sits at the bottom, beside presets and results.
`Service(tasks=...)` carries a table (default `TABLE`) and the app is built from the service's
table, so a test can add a tab with a row of its own (`TABLE.with_task(row)`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

FileKind = Literal["image", "audio"]

# Compare's groups: (id, title), in the order the Compare tab offers them (the first one runs
# offline as it starts). A task row joins one of them; a group lists its tasks in its label.
COMPARE_GROUPS: tuple[tuple[str, str], ...] = (
    ("image-to-image", "Image to image"),
    ("image", "Image generation"),
    ("chat", "Chat"),
    ("transcription", "Transcription"),
)


@dataclass(frozen=True)
class TaskRow:
    """One task tab: its task, its tab, its labels, its file and its Compare group."""

    id: str  # the task: presets' `task`, the history's `task`, Service.run_task's `task`
    tab: str  # the tab: ?tab=..., --tab ..., endpoint names, elem_ids, the history's `tab`
    label: str  # the tab's label on the page
    module: str  # the tab's module, with `build(ctx)`
    compare: str | None  # the Compare group its runs join (None: none)
    # The kind of file the tab uploads ("image" | "audio"; None: the task takes a prompt).
    # The preset's `file_input` names the model's own input for it ("image", "img", "audio").
    file_kind: FileKind | None = None
    history_label: str = ""  # what the History calls its runs (default: the tab's label)

    def __post_init__(self) -> None:
        if not self.history_label:
            object.__setattr__(self, "history_label", self.label)


@dataclass(frozen=True)
class PageTab:
    """A tab of the page that is no task: any model, Compare, the History."""

    tab: str
    label: str
    module: str
    # the `task` the runs it starts are stored under, and what the History calls them
    history_task: str | None = None
    history_label: str = ""
    # its build is `build(ctx, parts)`: it reaches what the tabs before it built (ui/parts.py)
    reads_parts: bool = False


Tab = TaskRow | PageTab


@dataclass(frozen=True)
class TaskTable:
    """Every tab in page order; the task rows among them, with lookups by task, tab, module."""

    tabs: tuple[Tab, ...]
    # tabs whose model runs on the local engine, in the order the page prefers to open on
    # offline (Image cannot run there)
    offline_first: tuple[str, ...] = ()
    _by_id: dict[str, TaskRow] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tab_ids = [t.tab for t in self.tabs]
        rows = [t for t in self.tabs if isinstance(t, TaskRow)]
        groups = {g for g, _ in COMPARE_GROUPS}
        problems = [f"tab {t!r} is listed twice" for t in set(tab_ids) if tab_ids.count(t) > 1]
        ids = [r.id for r in rows]
        problems += [f"task {t!r} is listed twice" for t in set(ids) if ids.count(t) > 1]
        problems += [f"task {r.id!r}: no Compare group {r.compare!r}" for r in rows
                     if r.compare is not None and r.compare not in groups]
        for group, _ in COMPARE_GROUPS:
            kinds = {r.file_kind for r in rows if r.compare == group}
            if len(kinds) > 1:
                problems.append(f"Compare group {group!r} mixes files: {sorted(map(str, kinds))}")
        problems += [f"offline_first: no tab {t!r}" for t in self.offline_first
                     if t not in tab_ids]
        if problems:
            raise ValueError("task table: " + "; ".join(sorted(problems)))
        object.__setattr__(self, "_by_id", {r.id: r for r in rows})

    # --- the rows ---------------------------------------------------------------------------

    @property
    def rows(self) -> tuple[TaskRow, ...]:
        """The task rows, in tab order."""
        return tuple(self._by_id.values())

    @property
    def ids(self) -> tuple[str, ...]:
        """The tasks, in tab order (what a preset file's `task` may be)."""
        return tuple(self._by_id)

    @property
    def tab_ids(self) -> tuple[str, ...]:
        """Every tab, in page order (`?tab=`, `--tab`)."""
        return tuple(t.tab for t in self.tabs)

    def by_id(self, task: str) -> TaskRow:
        try:
            return self._by_id[task]
        except KeyError:
            raise KeyError(f"no task {task!r} (tasks: {', '.join(self.ids)})") from None

    def by_tab(self, tab: str) -> TaskRow:
        for row in self.rows:
            if row.tab == tab:
                return row
        raise KeyError(f"no task tab {tab!r} (tabs: {', '.join(r.tab for r in self.rows)})")

    def by_module(self, module: str) -> TaskRow:
        """A tab module's own row (`tasks.by_module(__name__)`)."""
        for row in self.rows:
            if row.module == module:
                return row
        raise KeyError(f"no task row names the module {module!r}")

    # --- what the rest of the page reads from it --------------------------------------------

    def history_labels(self) -> dict[str, str]:
        """A stored run's `task` -> what the History calls it: every task, then the runs the
        page's other tabs start ("model": the Models tab's)."""
        labels = {r.id: r.history_label for r in self.rows}
        labels.update({t.history_task: t.history_label or t.label for t in self.tabs
                       if isinstance(t, PageTab) and t.history_task})
        return labels

    def group_of(self, task: str) -> str | None:
        """The Compare group a task's runs join (None: an unknown task, or none)."""
        row = self._by_id.get(task)
        return row.compare if row else None

    def in_group(self, group: str) -> tuple[TaskRow, ...]:
        """The tasks of a Compare group, in tab order."""
        return tuple(r for r in self.rows if r.compare == group)

    def group_file(self, group: str) -> FileKind | None:
        """The file every entry of a Compare group shares (None: a prompt)."""
        kinds = {r.file_kind for r in self.in_group(group)}
        return next(iter(kinds)) if len(kinds) == 1 else None

    def compare_labels(self) -> dict[str, str]:
        """Compare's groups -> their labels, the tasks of a group of several in brackets:
        "Image to image (upscale, remove background, restore faces)"."""
        out = {}
        for group, title in COMPARE_GROUPS:
            rows = self.in_group(group)
            names = ", ".join(r.label.lower() for r in rows)
            out[group] = f"{title} ({names})" if len(rows) > 1 else title
        return out

    def with_task(self, row: TaskRow, *, offline_first: Iterable[str] | None = None
                  ) -> TaskTable:
        """This table with one more task tab, after the last task tab (before Models)."""
        last = max(i for i, t in enumerate(self.tabs) if isinstance(t, TaskRow))
        tabs = (*self.tabs[:last + 1], row, *self.tabs[last + 1:])
        first = self.offline_first if offline_first is None else tuple(offline_first)
        return TaskTable(tabs, first)


TABLE = TaskTable(
    tabs=(
        TaskRow("image", "image", "Image", "playground.ui.tabs.image", compare="image"),
        TaskRow("chat", "chat", "Chat", "playground.ui.tabs.chat", compare="chat"),
        TaskRow("transcribe", "transcribe", "Transcribe", "playground.ui.tabs.transcribe",
                compare="transcription", file_kind="audio"),
        TaskRow("upscale", "upscale", "Upscale", "playground.ui.tabs.upscale",
                compare="image-to-image", file_kind="image"),
        # "rembg" in the preset file and the history; "background" in the page's address
        TaskRow("rembg", "background", "Remove background", "playground.ui.tabs.background",
                compare="image-to-image", file_kind="image"),
        TaskRow("faces", "faces", "Restore faces", "playground.ui.tabs.faces",
                compare="image-to-image", file_kind="image"),
        PageTab("models", "Models", "playground.ui.tabs.models", history_task="model",
                history_label="Model"),
        PageTab("compare", "Compare", "playground.ui.compare.tab", history_task="compare"),
        # last: it reaches every form and what the tabs before it built
        PageTab("history", "History", "playground.ui.history.tab", reads_parts=True),
    ),
    offline_first=("chat", "upscale"),
)


def by_id(task: str) -> TaskRow:
    """`TABLE.by_id`: a task's row ("rembg" -> the Remove background tab)."""
    return TABLE.by_id(task)


def by_tab(tab: str) -> TaskRow:
    """`TABLE.by_tab`: a task tab's row ("background" -> task "rembg")."""
    return TABLE.by_tab(tab)


def by_module(module: str) -> TaskRow:
    """`TABLE.by_module`: a tab module's own row."""
    return TABLE.by_module(module)
