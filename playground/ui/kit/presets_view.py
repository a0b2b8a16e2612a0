"""The presets as the tabs show them: dropdown choices, their inputs, and the local stand-ins
(named as the engine lists them).

Reads the service's presets (what it will really run), kept on the app's context. If the preset
files cannot be loaded the tabs still work (with the service's default preset); the problem is
logged.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from playground.presets import Preset, Task
from playground.service import Service

log = logging.getLogger("playground.ui")


@dataclass(frozen=True)
class StandIn:
    local: str
    cloud: str
    note: str = ""


class PresetsView:
    """One service's presets, as the tabs and the banner need them."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.local = service.backend == "local"

    def _all(self) -> dict[str, Preset]:
        try:
            return dict(self.service.presets)
        except Exception as exc:  # a broken preset file must not take the whole UI down
            log.warning("presets unavailable: %s", exc)
            return {}

    def for_task(self, task: Task) -> list[Preset]:
        return [p for p in self._all().values() if p.task == task]

    def get(self, task: Task, preset_id: str | None) -> Preset | None:
        found = self.for_task(task)
        for preset in found:
            if preset.id == preset_id:
                return preset
        return found[0] if found and not preset_id else None

    def choices(self, task: Task) -> tuple[list[tuple[str, str]], str | None]:
        """Dropdown choices (title, id) and the default id. Offline, presets that would run
        the same stand-in on the same inputs are one choice (GFPGAN v1.4 and v1.3 are both
        the face stand-in at scale 2 here: a choice that changes nothing)."""
        found = self.for_task(task)
        if self.local:
            seen: set[str] = set()
            distinct = []
            for preset in found:
                same = json.dumps([preset.local_model, preset.inputs_for("local"),
                                   preset.image_side_for("local")], sort_keys=True, default=str)
                if same not in seen:
                    seen.add(same)
                    distinct.append(preset)
            found = distinct
        return [(p.title, p.id) for p in found], (found[0].id if found else None)

    def inputs_of(self, task: Task, preset_id: str | None) -> dict[str, Any]:
        preset = self.get(task, preset_id)
        return dict(preset.inputs_for(self.service.backend)) if preset else {}

    def aspect_ratios(self, task: Task, preset_id: str | None) -> dict[str, tuple[int, int]]:
        preset = self.get(task, preset_id)
        return dict(preset.aspect_ratios_for(self.service.backend)) if preset else {}

    def image_side(self, task: Task, preset_id: str | None) -> int | None:
        """The longer side a picture is reduced to before it is sent (None: never)."""
        preset = self.get(task, preset_id)
        return preset.image_side_for(self.service.backend) if preset else None

    def model_of(self, task: Task, preset_id: str | None) -> str:
        preset = self.get(task, preset_id)
        if preset is None:
            return ""
        return (preset.local_model or "") if self.local else preset.model.partition(":")[0]

    def describe(self, task: Task, preset_id: str | None) -> str:
        """One plain line under the preset picker: what it does (offline: what it does here).

        Model references stay off this line: the page's Details and a run's details name them.
        """
        preset = self.get(task, preset_id)
        if preset is None:
            return ""
        model = self.model_of(task, preset_id)
        parts = [preset.description] if preset.description else []
        if self.local:  # what runs here, in the words of the controls (not the cloud's numbers)
            name, note = self._pretty_local(model) if model else ("", "not available offline")
            if not name:  # the tab says so itself; "512 px, 1 step" would contradict it
                return ""
            changed = {k: v for k, v in preset.inputs_for("local").items()
                       if preset.defaults.get(k) != v}
            bits = [f"{name} stands in", *_local_bits(changed)]
            return f"On this computer: {', '.join(bits)}." + (
                f" {note[:1].upper()}{note[1:]}." if note else "")
        if model:
            parts.append(f"Model: {model} on Replicate.")
        return " ".join(parts)

    def _pretty_local(self, ref: str) -> tuple[str, str]:
        """(name, note) of a stand-in, as the engine lists it; ("", why) when it cannot run."""
        model = self.service.local_models().get(ref)
        if model is None:
            return ref.removeprefix("local/"), ""
        if not model.available:
            return "", "not available offline"
        return model.title, model.caveat

    def stand_ins(self) -> list[StandIn]:
        """For the offline banner: each task's default preset and the local model standing in."""
        found = []
        seen: set[str] = set()
        for preset in self._all().values():
            if preset.task in seen:
                continue
            seen.add(preset.task)
            local = preset.local_model
            name, note = self._pretty_local(local) if local else ("", "not available offline")
            found.append(StandIn(name, preset.title, note))
        return found


def _local_bits(inputs: dict[str, Any]) -> list[str]:
    """What the local defaults do, in the words of the controls they set."""
    bits = []
    if "width" in inputs and "height" in inputs:
        bits.append(f"{inputs['width']}×{inputs['height']} px images")
    if "num_inference_steps" in inputs:
        steps = int(inputs["num_inference_steps"])
        bits.append(f"{steps} step" + ("" if steps == 1 else "s"))
    if "scale" in inputs:
        bits.append(f"upscales {inputs['scale']:g}x")
    return bits
