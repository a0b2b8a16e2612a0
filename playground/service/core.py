"""`Service`: the tasks the tabs call, and any model by ref. No gradio here."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PIL import Image

from playground import config
from playground.files import OutputSaver
from playground.files.covers import CoverImages
from playground.files.uploads import Expect
from playground.history import Caller, InputFile, RunHistory
from playground.history.recorder import PendingRun, Recorder
from playground.presets import BackendKind, Preset, Task, for_task, load_presets
from playground.replicate import AsyncClient, errors
from playground.replicate.types import Model, Prediction, Version
from playground.results import RunResult
from playground.tasks import TABLE, TaskTable

from .backend import Backend
from .catalog import Catalog
from .chat import chat_inputs
from .errors import UnknownPreset
from .gate import Gate
from .reporting import OnUpdate, retries_reported
from .request import FileInput, RunOptions, RunRequest
from .routing import EngineModels, Router
from .runs import OnFinished, Runs
from .schema import InputSchema
from .stand_ins import LocalModel, fetch_local_models


class Service:
    """One backend, many users: each call may carry its own `token=` (never read from env).

    `engine`: the embedded engine beside the backend, for its `--cog` models only (their refs,
    and the predictions made there, go to it: see `routing.Router`)."""

    def __init__(self, base_url: str | None = None, token: str | None = None,
                 data_dir: Path | None = None, transport: Any = None,
                 presets: dict[str, Preset] | None = None, backend: BackendKind | None = None,
                 *, timeout: float | None = None, history: RunHistory | None = None,
                 trusted_origins: Iterable[str] = (), tasks: TaskTable | None = None,
                 engine: EngineModels | None = None) -> None:
        self.base_url = (base_url or config.REPLICATE_CLOUD).rstrip("/")
        # The CLI says which backend this is; a bare URL is guessed from (tests, embedding).
        self.server = Backend(backend, self.base_url) if backend else Backend.for_url(
            self.base_url)
        self.backend: BackendKind = self.server.kind
        self.data_dir = Path(data_dir) if data_dir is not None else config.data_dir()
        # "" (not None) keeps the client from falling back to REPLICATE_API_TOKEN.
        self.client = AsyncClient(token=token or "", base_url=self.base_url, transport=transport)
        # which server each ref runs on: this backend, or the engine for its --cog models
        self.router = Router(self.client, self.server, engine, transport=transport)
        self._server_token, self._transport = token or "", transport
        self._local_models: dict[str, LocalModel] | None = None
        self.has_token = bool(token)
        self._presets = presets
        # the task table: which tasks there are, and the file each one takes (the app's tabs
        # are built from it too)
        self.tasks = tasks or TABLE
        self._schemas: dict[str, InputSchema | None] = {}
        # Covers and output files are fetched from public addresses only, or from the backend
        # itself (and the `trusted_origins` a test's stand-in for Replicate's CDN is on): a URL
        # in an answer is the model publisher's to choose (see playground.files.netguard).
        trusted = [*trusted_origins, *self.router.trusted_origins()]
        self.catalog = Catalog(self.router, CoverImages(
            self.data_dir / "covers", trusted=[self.base_url, *trusted]))
        self.uploader = self.router.main_uploader
        self.saver = OutputSaver(self.output_dir, api_base=self.base_url, trusted=trusted)
        # The run history: every finished run recorded, an identical one answered from it.
        self.history = history
        recorder = None if history is None else Recorder(
            history, backend_kind=self.backend, backend_url=self.base_url,
            estimate=history.estimate, route=self._backend_of)
        self._runs = Runs(self.router, self.saver, recorder, timeout=timeout)
        self._runs.has_server_token = bool(token)

    def __repr__(self) -> str:
        return f"Service({self.base_url!r}, backend={self.backend!r})"

    @property
    def timeout(self) -> float | None:
        """Per prediction, in seconds; None: wait as long as it runs."""
        return self._runs.timeout

    @timeout.setter
    def timeout(self, value: float | None) -> None:
        self._runs.timeout = value

    @property
    def gate(self) -> Gate | None:
        """Demo mode's limits, which every run passes (None: no limits); set once by cli.py.
        The models it shows are also the only ones the catalog offers."""
        return self._runs.gate

    @gate.setter
    def gate(self, gate: Gate | None) -> None:
        self._runs.gate = gate
        self.catalog.allows = gate.show.allows if gate is not None else None

    @property
    def on_finished(self) -> list[OnFinished]:
        """Hooks `Runs.finished` calls with every finished run's result (e.g. a history)."""
        return self._runs.on_finished

    @on_finished.setter
    def on_finished(self, hooks: list[OnFinished]) -> None:
        self._runs.on_finished = hooks

    @property
    def output_dir(self) -> Path:
        """Where every output is saved (the only folder the app serves files from)."""
        return self.data_dir / "outputs"

    async def aclose(self) -> None:
        await self.router.aclose()

    def server_for(self, ref: str) -> Backend:
        """The backend a run of `ref` goes to: this one, or the engine beside it for a `--cog`
        model (what a run's code, its history and its messages name)."""
        return self.router.server_for(ref)

    def _backend_of(self, ref: str) -> tuple[BackendKind, str]:
        """The backend a run of `ref` goes to, as the history records it."""
        server = self.router.server_for(ref)
        return server.kind, server.url

    def local_models(self) -> dict[str, LocalModel]:
        """The embedded engine's models as the page names them ({} on other backends); beside
        another backend, only the `--cog` models it runs there."""
        if self._local_models is None:
            engine = self.router.engine
            if engine is not None:
                found = fetch_local_models(engine.url, "", self._transport)
                self._local_models = {ref: m for ref, m in found.items()
                                      if self.router.on_engine(ref)}
            else:
                self._local_models = {} if self.backend != "local" else fetch_local_models(
                    self.base_url, self._server_token, self._transport)
        return self._local_models

    # --- presets -----------------------------------------------------------------------------

    @property
    def presets(self) -> dict[str, Preset]:
        if self._presets is None:
            self._presets = load_presets(tasks=self.tasks)
        return self._presets

    def presets_for(self, task: Task) -> list[Preset]:
        """A task's presets that can run on this backend, its default first."""
        found = for_task(self.presets, task)
        return [p for p in found if self.backend != "local" or p.local_model]

    def preset(self, task: Task, preset: str | Preset | None = None) -> Preset:
        """A task's preset by id (or its default when None); `UnknownPreset` names the known."""
        if isinstance(preset, Preset):
            return preset
        found = for_task(self.presets, task)
        if preset is None and found:
            return found[0]
        chosen = self.presets.get(preset or "")
        if chosen is None or chosen.task != task:
            raise UnknownPreset(task, str(preset or ""), [p.id for p in found])
        return chosen

    def image_side_for(self, ref: str) -> int | None:
        """How large an uploaded image may be for `ref` here: its preset's limit, else the
        largest any preset allows on this backend (the CPU engine takes smaller ones)."""
        sides = {p.ref_for(self.backend): p.image_side_for(self.backend)
                 for p in self.presets.values() if self.backend != "local" or p.local_model}
        name = ref.partition(":")[0]
        if name in sides or ref in sides:
            return sides.get(ref, sides.get(name))
        known = [s for s in sides.values() if s]
        return max(known) if known else None

    # --- models ------------------------------------------------------------------------------

    async def model(self, ref: str, *, token: str | None = None) -> Model:
        """A model (`owner/name`, a version after `:` is ignored) with its latest version."""
        return await self.router.client_for(ref).models.get(ref.partition(":")[0],
                                                            token=token or None)

    async def version(self, ref: str, *, token: str | None = None) -> Version | None:
        """`owner/name:version`'s version, or the model's latest for `owner/name`."""
        name, _, version = ref.partition(":")
        if version:
            return await self.router.client_for(ref).models.versions.get(
                name, version, token=token or None)
        return (await self.model(name, token=token)).latest_version

    async def input_schema(self, ref: str, *, token: str | None = None) -> InputSchema | None:
        """The model's inputs (looked up once per ref; on the local engine every time, where
        a `--cog-reload` predictor may have new ones, a new secret among them); None when they
        cannot be known."""
        if ref not in self._schemas or self.router.server_for(ref).is_local:
            try:
                version = await self.version(ref, token=token)
            except errors.ReplicateError:  # unknown now (a 404, a dead backend): ask again
                return self._schemas.get(ref)  # next time; what was known stays
            self._schemas[ref] = InputSchema.from_openapi(
                ref, version.openapi_schema if version is not None else None)
        return self._schemas[ref]

    # --- tasks -------------------------------------------------------------------------------
    # Every run method takes `token`, `on_update` and `caller` (whose run: the history records
    # it for them, and `caller.reuse` / `seed_chosen` decide whether an identical saved run may
    # answer; None, a script's run, is kept for nobody). They become one `RunOptions`, passed
    # down with the run (`RunRequest`), never through the task's context.

    async def generate_image(self, prompt: str, *, preset: str | Preset | None = None,
                             token: str | None = None, on_update: OnUpdate | None = None,
                             caller: Caller | None = None, **inputs: Any) -> RunResult:
        """Text to image (an `image`/`mask` input may be an upload, for img2img/inpainting)."""
        return await self._task("image", preset, {**inputs, "prompt": prompt},
                                RunOptions.of(token, on_update, caller),
                                files={"image": "image", "mask": "image"})

    async def upscale(self, image: FileInput, scale: float | None = None,
                      face_enhance: bool | None = None, *, preset: str | Preset | None = None,
                      token: str | None = None, on_update: OnUpdate | None = None,
                      caller: Caller | None = None, max_image_side: int | None = None,
                      **inputs: Any) -> RunResult:
        """`max_image_side` (e.g. a quick preview's 512) reduces a larger picture first; by
        default only the preset's limit for this backend does."""
        return await self.run_task("upscale", image, preset=preset, token=token,
                                   on_update=on_update, caller=caller,
                                   max_image_side=max_image_side,
                                   **{**inputs, "scale": scale, "face_enhance": face_enhance})

    async def transcribe(self, audio: FileInput, *, preset: str | Preset | None = None,
                         token: str | None = None, on_update: OnUpdate | None = None,
                         caller: Caller | None = None, **inputs: Any) -> RunResult:
        return await self.run_task("transcribe", audio, preset=preset, token=token,
                                   on_update=on_update, caller=caller, **inputs)

    async def remove_background(self, image: FileInput, *, preset: str | Preset | None = None,
                                token: str | None = None, on_update: OnUpdate | None = None,
                                caller: Caller | None = None, **inputs: Any) -> RunResult:
        return await self.run_task("rembg", image, preset=preset, token=token,
                                   on_update=on_update, caller=caller, **inputs)

    async def restore_faces(self, image: FileInput, *, preset: str | Preset | None = None,
                            token: str | None = None, on_update: OnUpdate | None = None,
                            caller: Caller | None = None, **inputs: Any) -> RunResult:
        return await self.run_task("faces", image, preset=preset, token=token,
                                   on_update=on_update, caller=caller, **inputs)

    async def run_task(self, task: Task, file: FileInput, /, *,
                       preset: str | Preset | None = None, token: str | None = None,
                       on_update: OnUpdate | None = None, caller: Caller | None = None,
                       max_image_side: int | None = None, **inputs: Any) -> RunResult:
        """Any file task of the task table (`tasks.by_id(task).file_kind`): `file` goes to the
        preset's `file_input`, `inputs` (None: the preset's default) on top of its defaults.
        `max_image_side` reduces a larger picture first (default: the preset's limit). Task and
        file are positional: an input may be called `task` or `file`."""
        kind = self.tasks.by_id(task).file_kind
        if kind is None:
            raise ValueError(f"{task!r} takes no file: it is not a file task")
        chosen = self.preset(task, preset)
        assert chosen.file_input is not None  # presets.py requires it for file tasks
        return await self._task(task, chosen, {**inputs, chosen.file_input: file},
                                RunOptions.of(token, on_update, caller),
                                files={chosen.file_input: kind}, max_side=max_image_side)

    async def chat(self, message: str, history: Iterable[Any] | None = None, *,
                   preset: str | Preset | None = None, system_prompt: str | None = None,
                   token: str | None = None, on_update: OnUpdate | None = None,
                   caller: Caller | None = None, **inputs: Any) -> RunResult:
        """One answer, streamed: each piece reaches `on_update` (`text` so far, `delta`).

        `history` is Gradio's (messages or (user, bot) pairs); turns that no longer fit the
        model's context are left out (`result.notes` says so). Cancel the calling task to stop:
        the prediction is canceled too."""
        chosen = self.preset("chat", preset)
        settings = chosen.chat_for(self.backend)
        assert settings is not None  # presets.py requires it for chat presets
        turn = chat_inputs(settings, chosen.inputs_for(self.backend), message, history,
                           system_prompt=system_prompt, inputs=inputs)
        request = RunRequest("chat", chosen.ref_for(self.backend), turn.inputs,
                             RunOptions.of(token, on_update, caller),
                             deterministic=chosen.deterministic, snippet=message,
                             notes=tuple(turn.notes))
        pending = await self._runs.pending(request, self._schemas.get(request.ref))
        if (saved := self._runs.reused(pending)) is not None:
            return saved
        with retries_reported(on_update):
            return await self._runs.stream(request, pending)

    async def run_model(self, ref: str, input: dict[str, Any] | None = None, *,
                        token: str | None = None, on_update: OnUpdate | None = None,
                        caller: Caller | None = None, max_image_side: int | None = None,
                        secret_inputs: Iterable[str] = ()) -> RunResult:
        """Any model, any inputs. `Path`, bytes and PIL image values are uploaded (strings are
        sent as they are: a prompt may well look like a file name). The `secret_inputs`
        (`x-cog-secret`) are sent, and blanked in the result and everything it reaches."""
        options = RunOptions.of(token, on_update, caller, secret_inputs)
        with retries_reported(on_update):
            request, pending, saved = await self._any_inputs(ref, input, options,
                                                             max_image_side)
            if saved is not None:
                return saved
            return await self._runs.run(request, pending)

    async def stream_model(self, ref: str, input: dict[str, Any] | None = None, *,
                           token: str | None = None, on_update: OnUpdate | None = None,
                           caller: Caller | None = None, max_image_side: int | None = None,
                           secret_inputs: Iterable[str] = ()) -> RunResult:
        """Like `run_model`, with the output streamed to `on_update` as it is written."""
        options = RunOptions.of(token, on_update, caller, secret_inputs)
        with retries_reported(on_update):
            request, pending, saved = await self._any_inputs(ref, input, options,
                                                             max_image_side)
            if saved is not None:
                return saved
            return await self._runs.stream(request, pending)

    async def cancel(self, prediction_id: str, token: str | None = None) -> Prediction:
        client = self.router.client_for_prediction(prediction_id)
        return await client.predictions.cancel(prediction_id, token=token or None)

    async def prediction(self, prediction_id: str, *, token: str | None = None) -> RunResult:
        """A prediction as the backend has it now, as a result (outputs saved if it succeeded);
        e.g. one that finished while a Stop was on its way. Not recorded: its run records
        itself."""
        started = time.monotonic()
        client = self.router.client_for_prediction(prediction_id)
        p = await client.predictions.get(prediction_id, token=token or None)
        request = RunRequest("model", p.model or "", dict(p.input or {}),
                             RunOptions.of(token))
        return await self._runs.finished(p, request, started)

    # --- inputs, made ready to send ----------------------------------------------------------

    async def _task(self, task: Task, preset: str | Preset | None, inputs: dict[str, Any],
                    options: RunOptions, files: dict[str, Expect],
                    max_side: int | None = None) -> RunResult:
        chosen = self.preset(task, preset)
        with retries_reported(options.on_update):
            sent = chosen.inputs_for(self.backend)
            sent.update({k: v for k, v in inputs.items() if v is not None})
            limit = chosen.image_side_for(self.backend)
            side = min(max_side, limit or max_side) if max_side else limit
            request = RunRequest(
                task, chosen.ref_for(self.backend), sent, options,
                files={name: expect for name, expect in files.items()
                       if name in sent and not _as_given(sent[name])},
                max_image_side=side, deterministic=chosen.deterministic)
            pending = await self._runs.pending(request, self._schemas.get(request.ref))
            if (saved := self._runs.reused(pending)) is not None:
                return saved
            return await self._runs.run(await self._upload(request, pending), pending)

    async def _upload(self, request: RunRequest, pending: PendingRun | None) -> RunRequest:
        """The request with its files read, checked, shrunk and uploaded (one note per file);
        the history keeps the bytes that were sent."""
        prepared = {name: await self.uploader.prepare(value, request.files[name],
                                                      max_side=request.max_image_side)
                    for name, value in request.uploads.items()}
        if not prepared:
            return request
        if pending is not None:
            pending.inputs = {**request.inputs,
                              **{n: InputFile(f.data, f.name) for n, f in prepared.items()}}
        sent, notes = dict(request.inputs), []
        for name, local in prepared.items():
            upload = await self.router.uploader_for(request.ref).send(
                local, token=request.options.token)
            sent[name] = upload.value
            notes.append(upload.note)
        return request.sending(sent, notes)

    async def _any_inputs(self, ref: str, input: dict[str, Any] | None, options: RunOptions,
                          max_side: int | None
                          ) -> tuple[RunRequest, PendingRun | None, RunResult | None]:
        """run_model's and stream_model's request, its files uploaded, unless an identical
        saved run answers (then nothing is sent and the last item is its result)."""
        sent = {name: value for name, value in (input or {}).items() if value is not None}
        request = RunRequest(
            "model", ref, sent, options,
            files={name: "image" if isinstance(value, Image.Image) else None
                   for name, value in sent.items()
                   if isinstance(value, Path | bytes | bytearray | Image.Image)},
            max_image_side=max_side)
        pending = await self._runs.pending(request, self._schemas.get(ref))
        if (saved := self._runs.reused(pending)) is not None:
            return request, pending, saved
        return await self._upload(request, pending), pending, None


def _as_given(value: Any) -> bool:
    """An input value sent as it is: empty, or already a URL or data URI."""
    return isinstance(value, str) and (value == "" or value.startswith(
        ("http://", "https://", "data:")))
