"""How big the Upscale tab's local run is: the picture at full size, or a quick preview.

On this computer Real-ESRGAN takes 14-40 s per megapixel of the picture it is given, depending
on what else keeps the cores busy (bench/upscale_speed.py), so a 12 MP photo takes minutes: the
tab upscales what the person gave at full size (reduced only past the engine's hard limit, and
then it says so) and offers a quick preview at 512 px, with both estimates in words as soon as
a picture is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.results import about

FULL = "full"
PREVIEW = "preview"
PREVIEW_SIDE = 512  # a quick preview's longer side: seconds on the CPU
# Before any run: the idle end of bench/upscale_speed.py on 2 cores. Each finished run then
# teaches the estimate this computer's speed as it is now (Speed).
SECONDS_PER_MEGAPIXEL = 20.0
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
        return fit(self.given, self.limit)

    @property
    def preview(self) -> tuple[int, int]:
        return fit(self.full, PREVIEW_SIDE)

    @property
    def over_limit(self) -> bool:
        return self.full != self.given

    @property
    def has_choice(self) -> bool:
        """A preview only differs from the full run for a picture larger than the preview."""
        return self.preview != self.full

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
            said += (f" This computer upscales pictures up to {self.limit} px on a side, so it "
                     f"will be reduced to {px(self.full)} first.")
        return said + " Full size keeps every pixel; a quick preview shows the effect in seconds."

    def sent(self, size: str) -> tuple[int, int]:
        """The picture's size as the engine gets it, for a choice."""
        return self.preview if size == PREVIEW else self.full

    def why_reduced(self, size: str) -> str:
        """Why the picture was reduced before the run, for the status line."""
        if size == PREVIEW and self.has_choice:
            return "you chose a quick preview (choose Full size to upscale every pixel)"
        return f"this computer upscales pictures up to {self.limit} px on a side"
