"""The runner's backend on top of `playground.service.Service` (and its Replicate client).

Whole runs go through `Service.run_model` (uploads, output files saved under the data dir);
chat entries stream through the client's `stream`, then fetch the finished prediction for its
metrics. Model schemas are looked up once per ref, to cut shared inputs to what a model takes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .runner import StreamPiece

log = logging.getLogger("playground.compare")

PRESET_PREFIX = "preset:"


class ServiceBackend:
    def __init__(self, service: Any, *, backend_kind: str | None = None,
                 presets: dict[str, Any] | None = None) -> None:
        self.service = service
        self.client = getattr(service, "client", None)
        # "local" | "replicate" | "custom", as presets use it
        self.backend_kind = backend_kind or str(getattr(service, "backend", "local"))
        self._presets = presets
        self._schemas: dict[str, set[str] | None] = {}
        self._file_inputs: dict[str, list[str]] = {}  # ref -> inputs with format uri

    # -- what the runner calls ---------------------------------------------------------------

    async def resolve(self, ref: str, shared: dict[str, Any], overrides: dict[str, Any], *,
                      token: str | None) -> tuple[str, dict[str, Any]]:
        defaults: dict[str, Any] = {}
        if ref.startswith(PRESET_PREFIX):
            preset = self.presets().get(ref[len(PRESET_PREFIX):])
            if preset is None:
                raise ValueError(f"no preset {ref[len(PRESET_PREFIX):]!r}")
            ref = preset.ref_for(self.backend_kind)
            defaults = preset.inputs_for(self.backend_kind)
        accepted = await self.input_names(ref, token=token)
        if accepted is not None:
            shared = _fit_files(shared, accepted, self._file_inputs.get(ref, []))
            shared = {k: v for k, v in shared.items() if k in accepted}
        return ref, {**defaults, **shared, **overrides}

    async def run(self, ref: str, input: dict[str, Any], *, token: str | None,
                  on_update: Callable[[Any], Any] | None) -> Any:
        # The CPU engine gets smaller uploads, as the presets' local_max_image_side does.
        side = 1024 if self.backend_kind == "local" else 2048
        return await self.service.run_model(ref, input, token=token, on_update=on_update,
                                            max_image_side=side)

    async def stream(self, ref: str, input: dict[str, Any], *,
                     token: str | None) -> AsyncIterator[StreamPiece]:
        if self.client is None:  # no streaming client: one piece at the end
            result = await self.run(ref, input, token=token, on_update=None)
            yield StreamPiece(_text(getattr(result, "output", "")), result.prediction_id, result)
            return
        events = self.client.stream(ref, input, token=token)
        text = ""
        try:
            async for event in events:
                pid = getattr(events.prediction, "id", None)
                if event.event == "output" and event.data:
                    text += event.data
                    yield StreamPiece(text, pid)
        finally:
            await events.aclose()  # the runner cancels the prediction itself if we stop early
        if events.prediction is None:
            raise RuntimeError("the stream ended before a prediction was created")
        # after `done` the status may lag a moment; wait for the final one (and its metrics)
        final = await self.client.predictions.wait(events.prediction.id, timeout=30,
                                                   token=token)
        yield StreamPiece(_text(final.output) or text, final.id, final)

    async def cancel(self, prediction_id: str, *, token: str | None) -> None:
        cancel = getattr(self.service, "cancel", None)
        if cancel is not None:
            await cancel(prediction_id, token=token)
        elif self.client is not None:
            await self.client.predictions.cancel(prediction_id, token=token)

    async def finished(self, prediction_id: str, *, token: str | None) -> Any:
        """The prediction as the backend has it now; a succeeded one comes with its output
        files saved, like a whole run's. None when there is no client to ask."""
        if self.client is None:
            return None
        p = await self.client.predictions.get(prediction_id, token=token)
        files: list[Path] = []
        if p.status == "succeeded" and p.output is not None:
            files = list((await self.service.saver.save(p.output, token=token)).files)
        return SimpleNamespace(prediction_id=p.id, model=p.model, version=p.version,
                               status=p.status, output=p.output, files=files,
                               metrics=p.metrics or {}, logs=p.logs or "",
                               error=None if p.error is None else str(p.error))

    # -- look-ups ----------------------------------------------------------------------------

    def presets(self) -> dict[str, Any]:
        if self._presets is None:
            try:  # the service's own presets: what it will really run
                self._presets = dict(self.service.presets)
            except Exception as exc:  # a broken preset file must not stop other entries
                log.warning("presets unavailable: %s", exc)
                self._presets = {}
        return self._presets

    def preset_choices(self) -> list[tuple[str, str]]:
        """(label, "preset:ID") for every preset that can run on this backend."""
        out = []
        for pid, preset in self.presets().items():
            if self.backend_kind == "local" and not getattr(preset, "local_model", None):
                continue
            out.append((f"Preset: {preset.title}", PRESET_PREFIX + pid))
        return out

    async def input_names(self, ref: str, *, token: str | None) -> set[str] | None:
        """The input names the model's schema lists; None when it cannot be known."""
        if ref in self._schemas:
            return self._schemas[ref]
        names: set[str] | None = None
        if self.client is not None:
            try:
                name, _, version = ref.partition(":")
                if version:
                    schema = (await self.client.models.versions.get(
                        name, version, token=token)).openapi_schema
                else:
                    latest = (await self.client.models.get(name, token=token)).latest_version
                    schema = latest.openapi_schema if latest is not None else None
                props = ((schema or {}).get("components", {}).get("schemas", {})
                         .get("Input", {}).get("properties"))
                names = set(props) if isinstance(props, dict) else None
                self._file_inputs[ref] = [k for k, v in (props or {}).items()
                                          if isinstance(v, dict) and v.get("format") == "uri"]
            except Exception as exc:  # unknown schema: send the shared inputs as they are
                log.info("no schema for %s: %s", ref, type(exc).__name__)
                return None
        self._schemas[ref] = names
        return names


def _fit_files(shared: dict[str, Any], accepted: set[str],
               file_inputs: list[str]) -> dict[str, Any]:
    """The shared file under the model's own name for it when that differs (`img`, not `image`)
    and the model has exactly one file input."""
    stray = [k for k, v in shared.items() if isinstance(v, Path) and k not in accepted]
    if len(stray) != 1 or len(file_inputs) != 1 or file_inputs[0] in shared:
        return shared
    out = dict(shared)
    out[file_inputs[0]] = out.pop(stray[0])
    return out


def _text(output: Any) -> str:
    if isinstance(output, list):
        return "".join(str(x) for x in output)
    return "" if output is None else str(output)
