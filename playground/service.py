"""The tasks the tabs call, on Replicate's cloud or the local engine. No gradio here.

```python
service = Service("http://127.0.0.1:8008")          # backend inferred: loopback -> local engine
result = await service.upscale("photo.jpg", scale=2)
print(result.summary(), result.files)               # succeeded in 3.2 s (predict 2.9 s) · ...
async for update in service.chat("Hi!", history=[]):
    print(update.text_so_far)
```

Which model runs comes from the task's preset (`presets/*.toml`): its pinned Replicate ref on
`backend="replicate"` (and "custom": another Replicate-compatible server), its local stand-in
and local defaults on `backend="local"`. Failed or canceled predictions come back as a
RunResult with that status; API errors raise the client's typed errors
(`playground.replicate.errors`), bad uploads `playground.files` errors (`FileProblem`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from PIL import Image

from playground import config
from playground.chat_prompt import normalize_history, render_prompt, system_from_history
from playground.files import OutputSaver, SavedOutput, Uploader, shorten_all
from playground.files.uploads import Expect, pixel_problem
from playground.presets import Backend, Preset, Task, UnknownPreset, for_task, load_presets
from playground.replicate import AsyncClient, RetryNotice, errors, retry_listener
from playground.replicate.types import Prediction
from playground.results import ChatUpdate, RunResult, RunUpdate, parse_progress

OnUpdate = Callable[[RunUpdate], Awaitable[None] | None]
__all__ = ["Service", "infer_backend", "pixel_problem"]  # pixel_problem: the UI checks uploads
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


def infer_backend(base_url: str) -> Backend:
    host = (urllib.parse.urlsplit(base_url).hostname or "").lower()
    if host == "api.replicate.com":
        return "replicate"
    return "local" if host in _LOOPBACK else "custom"


class Service:
    """One backend, many users: each call may carry its own `token=` (never read from env)."""

    def __init__(self, base_url: str | None = None, token: str | None = None,
                 data_dir: Path | None = None, transport: Any = None,
                 presets: dict[str, Preset] | None = None, backend: Backend | None = None,
                 *, timeout: float | None = None) -> None:
        self.base_url = (base_url or config.REPLICATE_CLOUD).rstrip("/")
        self.backend: Backend = backend or infer_backend(self.base_url)
        self.data_dir = Path(data_dir) if data_dir is not None else config.data_dir()
        self.timeout = timeout  # per prediction; None: wait as long as it runs
        # "" (not None) keeps the client from falling back to REPLICATE_API_TOKEN.
        self.client = AsyncClient(token=token or "", base_url=self.base_url, transport=transport)
        self.has_token = bool(token)
        self._presets = presets
        self.uploader = Uploader(self.client)
        self.saver = OutputSaver(self.data_dir / "outputs", api_base=self.base_url,
                                 transport=transport)

    def __repr__(self) -> str:
        return f"Service({self.base_url!r}, backend={self.backend!r})"

    @property
    def presets(self) -> dict[str, Preset]:
        if self._presets is None:
            self._presets = load_presets()
        return self._presets

    def preset(self, task: Task, preset: str | Preset | None = None) -> Preset:
        """A task's preset by id (or its default when None)."""
        if isinstance(preset, Preset):
            return preset
        if preset is None:
            found = for_task(self.presets, task)
            if not found:
                raise UnknownPreset(f"no preset for the task {task!r}")
            return found[0]
        chosen = self.presets.get(preset)
        if chosen is None or chosen.task != task:
            known = ", ".join(p.id for p in for_task(self.presets, task))
            raise UnknownPreset(f"There is no {task} preset {preset!r}; the known ones are: "
                                f"{known}.")
        return chosen

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- tasks -------------------------------------------------------------------------------

    async def generate_image(self, prompt: str, *, preset: str | Preset | None = None,
                             token: str | None = None, on_update: OnUpdate | None = None,
                             **inputs: Any) -> RunResult:
        """Text to image (an `image`/`mask` input may be an upload, for img2img/inpainting)."""
        return await self._task("image", preset, {**inputs, "prompt": prompt}, token, on_update,
                                files={"image": "image", "mask": "image"})

    async def upscale(self, image: Any, scale: float | None = None,
                      face_enhance: bool | None = None, *, preset: str | Preset | None = None,
                      token: str | None = None, on_update: OnUpdate | None = None,
                      **inputs: Any) -> RunResult:
        return await self._file_task("upscale", preset, image, "image", token, on_update,
                                     {**inputs, "scale": scale, "face_enhance": face_enhance})

    async def transcribe(self, audio: Any, *, preset: str | Preset | None = None,
                         token: str | None = None, on_update: OnUpdate | None = None,
                         **inputs: Any) -> RunResult:
        return await self._file_task("transcribe", preset, audio, "audio", token, on_update,
                                     inputs)

    async def remove_background(self, image: Any, *, preset: str | Preset | None = None,
                                token: str | None = None, on_update: OnUpdate | None = None,
                                **inputs: Any) -> RunResult:
        return await self._file_task("rembg", preset, image, "image", token, on_update, inputs)

    async def restore_faces(self, image: Any, *, preset: str | Preset | None = None,
                            token: str | None = None, on_update: OnUpdate | None = None,
                            **inputs: Any) -> RunResult:
        return await self._file_task("faces", preset, image, "image", token, on_update, inputs)

    async def run_model(self, ref: str, input: dict[str, Any] | None = None, *,
                        token: str | None = None, on_update: OnUpdate | None = None,
                        max_image_side: int | None = None) -> RunResult:
        """Any model, any inputs. `Path`, bytes and PIL image values are uploaded (strings are
        sent as they are: a prompt may well look like a file name)."""
        with _retries_reported(on_update):
            return await self._run_model(ref, input or {}, token=token, on_update=on_update,
                                         max_image_side=max_image_side)

    async def _run_model(self, ref: str, input: dict[str, Any], *, token: str | None,
                         on_update: OnUpdate | None, max_image_side: int | None) -> RunResult:
        notes: list[str] = []
        sent = {}
        for name, value in input.items():
            if isinstance(value, Path | bytes | bytearray | Image.Image):
                upload = await self.uploader.upload(
                    value, "image" if isinstance(value, Image.Image) else None,
                    max_side=max_image_side, token=token)
                notes.append(upload.note)
                value = upload.value
            if value is not None:
                sent[name] = value
        return await self._run(ref, sent, token=token, on_update=on_update, upload_notes=notes)

    async def cancel(self, prediction_id: str, token: str | None = None) -> Prediction:
        return await self.client.predictions.cancel(prediction_id, token=token or None)

    async def chat(self, message: str, history: Iterable[Any] | None = None, *,
                   preset: str | Preset | None = None, system_prompt: str | None = None,
                   token: str | None = None, **inputs: Any) -> AsyncIterator[ChatUpdate]:
        """Streams the answer: a ChatUpdate per piece, then one with `done=True` and the result.

        `history` is Gradio's (messages or (user, bot) pairs). Closing the iterator before the
        end cancels the prediction."""
        chosen = self.preset("chat", preset)
        settings = chosen.chat_for(self.backend)
        assert settings is not None  # presets.py requires it for chat presets
        turns = normalize_history(history)
        sent = chosen.inputs_for(self.backend)
        sent.update({k: v for k, v in inputs.items() if v is not None})
        system = system_prompt or system_from_history(turns)
        if system:
            sent["system_prompt"] = system
        if settings.prompt_template and "prompt_template" not in inputs:
            sent["prompt_template"] = settings.prompt_template
        sent["prompt"] = render_prompt(settings.format, turns, message)
        ref = chosen.ref_for(self.backend)

        started = time.monotonic()
        stream = self.client.stream(ref, sent, timeout=self.timeout, token=token or None)
        # The stream is read by a task of its own, so that waiting for the first token can
        # still report the prediction's status and any rate-limit retry of its create.
        items: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        pump = asyncio.ensure_future(_pump(stream, items))
        text, logs, status, finished = "", "", None, False
        final: Prediction | None = None
        try:
            while True:
                try:
                    kind, item = await asyncio.wait_for(items.get(), _STATUS_EVERY)
                except TimeoutError:
                    kind, item = "tick", None
                pid = stream.prediction.id if stream.prediction else None
                if kind == "notice":
                    yield ChatUpdate(text, "", pid, status="retrying", logs=logs, notice=item)
                    continue
                if kind == "tick":
                    if stream.prediction is not None and status is None:
                        status = stream.prediction.status
                        yield ChatUpdate(text, "", pid, status=status, logs=logs)
                    continue
                if kind == "end":
                    final = stream.prediction  # after `done`: refreshed (status, metrics)
                    break
                if kind == "stopped":  # failed or canceled: a result, not an exception
                    final = item.prediction
                    break
                if kind == "error":
                    raise item
                status = "processing"  # the engine streams only once a worker runs it
                if item.event == "logs":
                    logs += item.data + "\n"
                    yield ChatUpdate(text, "", pid, status=status, logs=logs)
                elif item.event == "output" and item.data:
                    text += item.data
                    yield ChatUpdate(text, item.data, pid, status=status, logs=logs)
            finished = True
            if final is not None and not final.done:  # "done" came before the status settled
                final = await self.client.predictions.wait(final, timeout=30, token=token or None)
        finally:
            if not pump.done():
                pump.cancel()
                with contextlib.suppress(BaseException):
                    await pump
            await stream.aclose()
            if not finished and stream.prediction is not None:
                await _shielded_cancel(self, stream.prediction.id, token)
        if final is None:
            raise errors.ReplicateError("the chat stream ended before the prediction was created")
        result = self._result(final, ref, sent, started, [])
        result.metrics.setdefault("total_time", result.metrics["client_time"])
        if result.ok and not result.output:
            result.output = [text]
        yield ChatUpdate(text, "", final.id, True, result, final.status, logs or result.logs)

    # --- plumbing ----------------------------------------------------------------------------

    async def _file_task(self, task: Task, preset: str | Preset | None, file: Any,
                         expect: Expect, token: str | None, on_update: OnUpdate | None,
                         inputs: dict[str, Any]) -> RunResult:
        chosen = self.preset(task, preset)
        assert chosen.file_input is not None  # presets.py requires it for file tasks
        return await self._task(task, chosen, {**inputs, chosen.file_input: file}, token,
                                on_update, files={chosen.file_input: expect})

    async def _task(self, task: Task, preset: str | Preset | None, inputs: dict[str, Any],
                    token: str | None, on_update: OnUpdate | None,
                    files: dict[str, Expect]) -> RunResult:
        with _retries_reported(on_update):
            return await self._task_body(task, preset, inputs, token, on_update, files)

    async def _task_body(self, task: Task, preset: str | Preset | None, inputs: dict[str, Any],
                         token: str | None, on_update: OnUpdate | None,
                         files: dict[str, Expect]) -> RunResult:
        chosen = self.preset(task, preset)
        sent = chosen.inputs_for(self.backend)
        sent.update({k: v for k, v in inputs.items() if v is not None})
        notes: list[str] = []
        for name, expect in files.items():
            if name in sent and not (isinstance(sent[name], str) and sent[name] == ""):
                upload = await self.uploader.upload(
                    sent[name], expect, max_side=chosen.image_side_for(self.backend),
                    token=token or None)
                sent[name] = upload.value
                notes.append(upload.note)
        return await self._run(chosen.ref_for(self.backend), sent, token=token,
                               on_update=on_update, upload_notes=notes)

    async def _run(self, ref: str, inputs: dict[str, Any], *, token: str | None,
                   on_update: OnUpdate | None, upload_notes: list[str]) -> RunResult:
        token = token or None
        started = time.monotonic()
        prediction = await self.client.predictions.create(ref, inputs, token=token)
        last: tuple[str, str] | None = None

        async def report(p: Prediction) -> None:
            nonlocal last
            state = (p.status, p.logs or "")
            if on_update is None or state == last:
                return
            last = state
            update = RunUpdate(p.id, p.status, p.logs or "", parse_progress(p.logs),
                               time.monotonic() - started)
            outcome = on_update(update)
            if inspect.isawaitable(outcome):
                await outcome

        try:
            await report(prediction)
            prediction = await self.client.predictions.wait(
                prediction, timeout=self.timeout, on_update=report, token=token)
        except asyncio.CancelledError:  # the caller gave up (e.g. Stop in the UI): stop it too
            await _shielded_cancel(self, prediction.id, token)
            raise
        result = self._result(prediction, ref, inputs, started, upload_notes)
        if prediction.status == "succeeded" and prediction.output is not None:
            saved = await self.saver.save(prediction.output, token=token)
        else:
            saved = SavedOutput(prediction.output)
        result.files, result.local_output = saved.files, saved.value
        result.output_problems = saved.problems
        result.metrics["client_time"] = time.monotonic() - started  # downloads included
        result.metrics.setdefault("total_time", result.metrics["client_time"])
        return result

    def _result(self, p: Prediction, ref: str, inputs: dict[str, Any], started: float,
                upload_notes: list[str]) -> RunResult:
        metrics = dict(p.metrics or {})
        metrics["client_time"] = time.monotonic() - started
        return RunResult(
            prediction_id=p.id, model=p.model or ref.partition(":")[0], version=p.version,
            input=shorten_all(inputs), status=p.status, output=p.output, local_output=p.output,
            logs=p.logs or "", metrics=metrics, error=None if p.error is None else str(p.error),
            upload_notes=upload_notes, prediction=p,
        )


_STATUS_EVERY = 0.25  # seconds: how soon a prediction that has not streamed yet is reported


async def _pump(stream: Any, items: asyncio.Queue[tuple[str, Any]]) -> None:
    """Reads the stream into `items`: ("event", e)..., then ("end"|"stopped"|"error", ...)."""
    def heard(update: RunUpdate) -> None:
        items.put_nowait(("notice", update.notice))

    try:
        with _retries_reported(heard):
            async for event in stream:
                items.put_nowait(("event", event))
        items.put_nowait(("end", None))
    except (errors.PredictionFailed, errors.PredictionCanceled) as exc:
        items.put_nowait(("stopped", exc))
    except Exception as exc:
        items.put_nowait(("error", exc))


async def _shielded_cancel(service: Service, prediction_id: str, token: str | None) -> None:
    """Best effort, and not itself cancelable: the caller is already being torn down."""
    async def cancel() -> None:
        try:
            await service.cancel(prediction_id, token=token)
        except errors.ReplicateError:
            pass

    try:
        await asyncio.shield(cancel())
    except asyncio.CancelledError:
        pass


@contextlib.contextmanager
def _retries_reported(on_update: OnUpdate | None) -> Iterator[None]:
    """Tell the caller when the client waits to retry (a 429, a flaky backend), so a person
    sees why nothing moves instead of a silent pause."""
    if on_update is None:
        yield
        return
    started = time.monotonic()

    def heard(notice: RetryNotice) -> None:
        reason = f"Rate limited ({notice.status})" if notice.status == 429 else (
            f"Backend busy ({notice.status})" if notice.status else "Connection problem")
        text = f"{reason}: retrying in {notice.wait:.0f} s"
        outcome = on_update(RunUpdate("", "retrying", "", None, time.monotonic() - started,
                                      notice=text))
        if inspect.isawaitable(outcome):
            asyncio.ensure_future(outcome)

    with retry_listener(heard):
        yield
