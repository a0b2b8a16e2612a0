"""The presets as the tabs show them: dropdown choices, their inputs, and the local stand-ins.

Reads `playground.presets`. If the preset files cannot be loaded the tabs still work (with the
service's default preset) and the banner falls back to the known stand-ins; the problem is logged.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("playground.ui")

# UI tab id -> preset task name.
TASK_OF_TAB = {"image": "image", "chat": "chat", "transcribe": "transcribe",
               "upscale": "upscale", "background": "rembg", "faces": "faces"}


@dataclass(frozen=True)
class StandIn:
    local: str
    cloud: str
    note: str = ""


_FALLBACK_STAND_INS = [
    StandIn("SmolLM2-135M", "Llama 3.1 405B"),
    StandIn("Whisper tiny.en", "Whisper large-v3", "English only"),
    StandIn("Real-ESRGAN (ncnn, CPU)", "Real-ESRGAN"),
    StandIn("MODNet", "rembg"),
    StandIn("face detection + Real-ESRGAN on each face", "GFPGAN", "sharpens, no face prior"),
]


_source: Any = None


def use(service: Any) -> None:
    """Read presets from this service (its `presets`), so the UI shows what it will run."""
    global _source
    _source = service
    _load_files.cache_clear()


def _all() -> dict[str, Any]:
    if _source is not None:
        try:
            return dict(_source.presets)
        except Exception as exc:  # a broken preset file must not take the whole UI down
            log.warning("presets unavailable: %s", exc)
            return {}
    return _load_files()


@functools.cache
def _load_files() -> dict[str, Any]:
    try:
        from playground.presets import load_presets

        return dict(load_presets())
    except Exception as exc:
        log.warning("presets unavailable: %s", exc)
        return {}


def for_task(task: str) -> list[Any]:
    return [p for p in _all().values() if getattr(p, "task", None) == task]


def get(task: str, preset_id: str | None) -> Any | None:
    found = for_task(task)
    for preset in found:
        if preset.id == preset_id:
            return preset
    return found[0] if found and not preset_id else None


def choices(task: str) -> tuple[list[tuple[str, str]], str | None]:
    """Dropdown choices (title, id) and the default id."""
    found = for_task(task)
    return [(p.title, p.id) for p in found], (found[0].id if found else None)


def backend_kind(local: bool) -> str:
    return "local" if local else "replicate"


def inputs_of(task: str, preset_id: str | None, *, local: bool) -> dict[str, Any]:
    preset = get(task, preset_id)
    return dict(preset.inputs_for(backend_kind(local))) if preset else {}


def aspect_ratios(task: str, preset_id: str | None, *, local: bool) -> dict[str, tuple[int, int]]:
    preset = get(task, preset_id)
    return dict(preset.aspect_ratios_for(backend_kind(local))) if preset else {}


def examples(task: str, preset_id: str | None) -> list[str]:
    preset = get(task, preset_id)
    return list(preset.ui.examples) if preset else []


def model_of(task: str, preset_id: str | None, *, local: bool) -> str:
    preset = get(task, preset_id)
    if preset is None:
        return ""
    return (preset.local_model or "") if local else preset.model.partition(":")[0]


def describe(task: str, preset_id: str | None, *, local: bool) -> str:
    """One plain line under the preset picker: what it does (offline: what it does here).

    Model references stay off this line: the page's Details and a run's details name them.
    """
    preset = get(task, preset_id)
    if preset is None:
        return ""
    model = model_of(task, preset_id, local=local)
    parts = [preset.description] if preset.description else []
    if local:  # what runs here, in the words of the controls (not the cloud model's numbers)
        name, note = _pretty_local(model) if model else ("", "not available offline")
        if not name:  # the tab says so itself; "512 px, 1 step" would contradict it
            return ""
        changed = {k: v for k, v in preset.inputs_for("local").items()
                   if preset.defaults.get(k) != v}
        bits = [f"{name} stands in", *_local_bits(changed)]
        return f"On this computer: {', '.join(bits)}." + (f" {note[:1].upper()}{note[1:]}."
                                                          if note else "")
    if model:
        parts.append(f"Model: {model} on Replicate.")
    return " ".join(parts)


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


def stand_ins() -> list[StandIn]:
    """For the offline banner: each task's default preset and the local model standing in."""
    found = []
    seen: set[str] = set()
    for preset in _all().values():
        if preset.task in seen:
            continue
        seen.add(preset.task)
        local = preset.local_model
        name, note = _pretty_local(local) if local else ("", "not available offline")
        found.append(StandIn(name, preset.title, note))
    return found or list(_FALLBACK_STAND_INS)


# How the banner names the local models (the presets name only their refs).
_LOCAL_NAMES = {
    "local/smollm2-135m-instruct": ("SmolLM2-135M", ""),
    "local/whisper-tiny-en": ("Whisper tiny.en", "English only"),
    "local/real-esrgan": ("Real-ESRGAN on the CPU", ""),
    "local/rembg": ("MODNet", ""),
    "local/face-enhance": ("face detection + Real-ESRGAN", "sharpens faces; no GFPGAN weights"),
    "local/sd-turbo": ("", "text-to-image is not available offline"),
}


def _pretty_local(ref: str) -> tuple[str, str]:
    return _LOCAL_NAMES.get(ref, (ref.removeprefix("local/"), ""))
