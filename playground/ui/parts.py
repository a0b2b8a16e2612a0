"""What the page's tabs built for each other, handed to the History tab (built last).

The context (`ui/context.py`) is fixed before the page is built; these exist only once the
shell and the tabs have built them: the page's `gr.Tabs` and each `gr.Tab` (History switches to
a run's tab), and what a tab's `build` offers the tabs after it (Compare: its form, for
History's Add to Compare).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import gradio as gr

from playground.ui.compare.add import CompareAdd


@dataclass
class PageParts:
    tabs: gr.Tabs
    tab_blocks: dict[str, gr.Tab] = field(default_factory=dict)
    offered: dict[str, object] = field(default_factory=dict)  # tab id -> what its build returned

    @property
    def compare_add(self) -> CompareAdd | None:
        offer = self.offered.get("compare")
        return offer if isinstance(offer, CompareAdd) else None
