"""How big the Upscale tab's local run is: the picture at full size, or a quick preview.

On this computer Real-ESRGAN takes 14-40 s per megapixel of the picture it is given, depending
on what else keeps the cores busy (bench/upscale_speed.py), so a 12 MP photo takes minutes: the
tab upscales what the person gave at full size (reduced only past the engine's hard limit, and
then it says so) and offers a quick preview at 512 px, with both estimates in words as soon as
a picture is dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from playground.results import about

FULL = "full"
PREVIEW = "preview"
PREVIEW_SIDE = 512  # a quick preview's longer side: seconds on the CPU
# Before any run: the idle end of bench/upscale_speed.py on 2 cores. Each finished run then
# teaches the estimate this computer's speed as it is now (Speed).
SECONDS_PER_MEGAPIXEL = 20.0
# The engine's largest result (local/real-esrgan refuses more; a test holds the two equal):
# at 4x a 12 MP photo would be past it, so the picture is reduced first and that is said.
MAX_RESULT_PIXELS = 8192 * 8192
START_SECONDS = 2.0  # sending, loading the net, saving the result


class Speed:
    """Seconds per input megapixel, learnt from the runs that finished (a busy machine is
    slower): the latest runs weigh most."""

    def __init__(self, per_megapixel: float = SECONDS_PER_MEGAPIXEL) -> None:
        self.per_megapixel = per_megapixel

    def observe(self, size: tuple[int, int], seconds: float) -> None:
        megapixels = size[0] * size[1] / 1e6
        if megapixels < 0.1 or not 0 < seconds < 3600:  # too small to tell the rate
            return
        rate = min(200.0, max(5.0, seconds / megapixels))
        self.per_megapixel = 0.5 * self.per_megapixel + 0.5 * rate


SPEED = Speed()  # one per process: the models run in this process's engine


def fit(size: tuple[int, int], side: int | None) -> tuple[int, int]:
    """`size` reduced so its longer side is at most `side` (as the upload step reduces it)."""
    w, h = size
    if not side or max(w, h) <= side:
        return size
    if w >= h:
        return side, max(1, round(h * side / w))
    return max(1, round(w * side / h)), side


def scaled(size: tuple[int, int], scale: float) -> tuple[int, int]:
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def seconds_for(size: tuple[int, int], speed: Speed = SPEED) -> float:
    return START_SECONDS + size[0] * size[1] / 1e6 * speed.per_megapixel


def px(size: tuple[int, int]) -> str:
    return f"{size[0]}×{size[1]}"


@dataclass(frozen=True)
class SizePlan:
    """What each choice would send and get back for one picture at one scale."""

    given: tuple[int, int]
    scale: float
    limit: int | None  # the longer side the engine takes at most (None: no limit)
    speed: Speed = SPEED

    @property
    def full(self) -> tuple[int, int]:
        """The largest picture this computer upscales at this scale: the one given, unless it
        is past the engine's side limit or its result past the engine's largest result."""
        w, h = fit(self.given, self.limit)
        if w * h * self.scale * self.scale <= MAX_RESULT_PIXELS:
            return w, h
        shrink = math.sqrt(MAX_RESULT_PIXELS / (w * h * self.scale * self.scale))
        return max(1, math.floor(w * shrink)), max(1, math.floor(h * shrink))

    @property
    def preview(self) -> tuple[int, int]:
        return fit(self.full, PREVIEW_SIDE)

    @property
    def over_limit(self) -> bool:
        return self.full != self.given

    @property
    def has_choice(self) -> bool:
        """A preview is offered when it is much quicker: it halves the pixels at least (a
        600×400 picture reduced to 512 px took about as long as the whole one)."""
        (fw, fh), (pw, ph) = self.full, self.preview
        return pw * ph * 2 <= fw * fh

    def choices(self) -> list[tuple[str, str]]:
        full, preview = self.full, self.preview
        first = "Full size" if not self.over_limit else f"Largest this computer takes ({px(full)})"
        return [
            (f"{first}: {px(scaled(full, self.scale))}, "
             f"{about(seconds_for(full, self.speed))}", FULL),
            (f"Quick preview: reduced to {px(preview)} first, {px(scaled(preview, self.scale))}, "
             f"{about(seconds_for(preview, self.speed))}", PREVIEW),
        ]

    def info(self) -> str:
        said = f"Your picture is {px(self.given)}."
        if self.over_limit:
            limit = self._limit_said()
            said += (f" {limit[:1].upper()}{limit[1:]}, so it will be reduced to "
                     f"{px(self.full)} first.")
        said += " The time depends on the picture's size, not on the scale."
        if self.has_choice:
            said += " Full size keeps every pixel; a quick preview shows the effect in seconds."
        return said

    def _limit_said(self) -> str:
        if fit(self.given, self.limit) != self.given:
            return f"this computer upscales pictures up to {self.limit} px on a side"
        return (f"this computer makes results up to {MAX_RESULT_PIXELS / 1e6:.0f} megapixels "
                f"({px(scaled(self.full, self.scale))} at {self.scale:g}x)")

    def sent(self, size: str) -> tuple[int, int]:
        """The picture's size as the engine gets it, for a choice."""
        return self.preview if size == PREVIEW else self.full

    def why_reduced(self, size: str) -> str:
        """Why the picture was reduced before the run, for the status line."""
        if size == PREVIEW and self.preview != self.full:
            return "you chose a quick preview (choose Full size to upscale every pixel)"
        return self._limit_said()
