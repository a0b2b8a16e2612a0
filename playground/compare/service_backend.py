"""The runner's backend on the service: presets to refs, inputs cut to each model's schema.

Whole runs go through `Service.run_model`, chat entries through `Service.stream_model` (uploads,
outputs saved under the data dir, failures as results); image uploads are shrunk as the
service's presets would for that model on this backend. Every run is `caller`'s (the browser
whose event started it: the history records it for them), passed to the service with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playground.results import RunResult
from playground.service import Caller, OnUpdate, Service

PRESET_PREFIX = "preset:"


class ServiceBackend:
    def __init__(self, service: Service, caller: Caller | None = None) -> None:
        self.service = service
        self.caller = caller  # whose runs these are (None: nobody's, as a script's)

    async def resolve(self, ref: str, shared: dict[str, Any], overrides: dict[str, Any], *,
                      token: str | None) -> tuple[str, dict[str, Any]]:
        defaults: dict[str, Any] = {}
        if ref.startswith(PRESET_PREFIX):
            name = ref[len(PRESET_PREFIX):]
            preset = self.service.presets.get(name)
            if preset is None:
                raise ValueError(f"no preset {name!r}")
            ref = preset.ref_for(self.service.backend)
            defaults = preset.inputs_for(self.service.backend)
        schema = await self.service.input_schema(ref, token=token)
        if schema is not None:
            shared = _fit_files(shared, schema.names, schema.file_inputs)
            shared = {k: v for k, v in shared.items() if k in schema.names}
        return ref, {**defaults, **shared, **overrides}

    async def run(self, ref: str, input: dict[str, Any], *, token: str | None,
                  on_update: OnUpdate | None, stream: bool = False,
                  secret_inputs: frozenset[str] = frozenset()) -> RunResult:
        call = self.service.stream_model if stream else self.service.run_model
        return await call(ref, input, token=token, on_update=on_update, caller=self.caller,
                          max_image_side=self.service.image_side_for(ref),
                          secret_inputs=secret_inputs)

    async def cancel(self, prediction_id: str, *, token: str | None) -> None:
        await self.service.cancel(prediction_id, token=token)

    async def finished(self, prediction_id: str, *, token: str | None) -> RunResult:
        return await self.service.prediction(prediction_id, token=token)

    def preset_choices(self, tasks: tuple[str, ...]) -> list[tuple[str, str]]:
        """(label, "preset:ID") for every preset of `tasks` that can run on this backend."""
        return [(f"Preset: {p.title}", PRESET_PREFIX + p.id)
                for task in tasks for p in self.service.presets_for(task)]  # type: ignore[arg-type]


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
