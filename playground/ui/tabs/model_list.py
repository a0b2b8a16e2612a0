"""The Models tab's list of models: cover, name, badges (official, runs) and description.

The list is shown at once without covers; `with_covers` fills them in as a second step (the app
fetches them, see playground.files.covers), so a slow or unreachable image never holds up the
list. A model without a cover shows none, never a broken image.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from playground.service import Catalog, ModelCard
from playground.ui.kit.runner import pill

PAGE_SIZE = 8
COVERED = 48  # the covers asked for at once: the first pages of a long list


def model_list(tab: str) -> gr.Dataset:
    return gr.Dataset(components=[gr.Image(type="filepath", visible=False),
                                  gr.HTML(visible=False)],
                      samples=[], headers=["", "Model"], type="index", layout="table",
                      samples_per_page=PAGE_SIZE, elem_id=f"{tab}-list",
                      label="Models you can run here (click one to open it)")


def rows(cards: list[ModelCard], covers: list[str | None] | None = None) -> list[list[Any]]:
    covers = covers or []
    return [[covers[i] if i < len(covers) else None, card_html(card)]
            for i, card in enumerate(cards)]


def listed(cards: list[ModelCard]) -> gr.Dataset:
    """The list as an update, without covers (they follow)."""
    return gr.Dataset(samples=rows(cards), visible=bool(cards))


def card_html(card: ModelCard) -> str:
    badges = []
    if card.official:
        badges.append(pill("ok", "Official"))
    if card.run_count:
        badges.append(pill("stop", f"{card.run_count:,} run{'s' if card.run_count != 1 else ''}"))
    text = " ".join(card.description.split())
    text = text if len(text) <= 200 else text[:199] + "…"
    return (f"<div class='model-row'><b>{html.escape(card.ref)}</b> {' '.join(badges)}"
            f"<div class='model-snippet'>{html.escape(text)}</div></div>")


async def with_covers(catalog: Catalog, cards: list[ModelCard]) -> Any:
    """The same list with the covers that could be fetched; unchanged when there are none."""
    head = cards[:COVERED]
    if not any(c.cover_image_url for c in head):
        return gr.skip()
    try:
        covers = await catalog.covers(head)
    except Exception:  # noqa: BLE001 - a cover is a nicety: the list stands without it
        return gr.skip()
    if not any(covers):
        return gr.skip()
    return gr.Dataset(samples=rows(cards, covers))
