"""Transcribe tab: Whisper turns speech into text, with timed segments and subtitle files."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from playground.results import RunResult
from playground.service import Caller, OnUpdate
from playground.tasks import by_module
from playground.ui.context import AppContext
from playground.ui.kit import widgets
from playground.ui.kit.inputs import AUDIO_HINT, require_file
from playground.ui.kit.runner import (
    PROGRESS,
    Run,
    RunPanel,
    bind,
    details_markdown,
    path_of,
    run_panel,
    wire_run,
)

ROW = by_module(__name__)  # this tab's row of the task table
TAB, TASK = ROW.tab, ROW.id  # "transcribe", "transcribe"
LANGUAGES = [("Detect automatically", "auto"), ("English", "en"), ("French", "fr"),
             ("German", "de"), ("Spanish", "es"), ("Italian", "it"), ("Portuguese", "pt"),
             ("Dutch", "nl"), ("Japanese", "ja"), ("Chinese", "zh")]
FORMATS = [("Plain text", "plain text"), ("SRT subtitles", "srt"), ("WebVTT subtitles", "vtt")]


def clock(seconds: float, sep: str = ".") -> str:
    ms = int(round(max(0.0, float(seconds)) * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def short_clock(seconds: float) -> str:
    """For the table: 01:02.5 (minutes, seconds, tenths), with hours only when needed."""
    tenths = int(round(max(0.0, float(seconds)) * 10))
    h, rest = divmod(tenths, 36_000)
    m, rest = divmod(rest, 600)
    s, t = divmod(rest, 10)
    return (f"{h}:" if h else "") + f"{m:02d}:{s:02d}.{t}"


def segments_of(output: Any) -> list[dict[str, Any]]:
    raw = output.get("segments") if isinstance(output, dict) else None
    out = []
    for seg in raw or []:
        if isinstance(seg, dict) and "start" in seg and "end" in seg:
            out.append({"start": float(seg["start"]), "end": float(seg["end"]),
                        "text": str(seg.get("text", "")).strip()})
    return out


def write_transcripts(folder: Path, text: str, segments: list[dict[str, Any]]) -> list[Path]:
    """transcript.txt, .srt and .vtt, written from the segments (same timing in all three)."""
    folder.mkdir(parents=True, exist_ok=True)
    srt = "".join(f"{i}\n{clock(s['start'], ',')} --> {clock(s['end'], ',')}\n{s['text']}\n\n"
                  for i, s in enumerate(segments, start=1))
    vtt = "WEBVTT\n\n" + "".join(f"{clock(s['start'])} --> {clock(s['end'])}\n{s['text']}\n\n"
                                 for s in segments)
    files = {"transcript.txt": text.strip() + "\n", "transcript.srt": srt,
             "transcript.vtt": vtt}
    paths = []
    for name, body in files.items():
        path = folder / name
        path.write_text(body, encoding="utf-8")
        paths.append(path)
    return paths


@dataclass
class TranscribeView:
    """What a transcription fills in."""

    panel: RunPanel
    transcript: gr.Textbox
    segments: gr.Dataframe
    files: gr.File
    player: gr.Audio


def build(ctx: AppContext) -> None:
    init = widgets.initial(ctx, TASK)
    widgets.intro("Turn speech into text with **Whisper**. Upload a recording or use the "
                  "microphone; you get the transcript, timed segments and subtitle files.")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            preset, about = widgets.preset_picker(ctx, TAB, TASK)
            audio = gr.Audio(sources=["upload", "microphone"], type="filepath", label="Audio",
                             elem_id=f"{TAB}-audio")
            language = gr.Dropdown(
                LANGUAGES, value=init.get("language", "auto") or "auto", label="Language",
                elem_id=f"{TAB}-language", allow_custom_value=True,
                info="Offline only English is understood." if ctx.backend.is_local else None)
            fmt = gr.Radio(FORMATS, value=init.get("transcription", "plain text"),
                           label="Transcript format", elem_id=f"{TAB}-format")
            translate = gr.Checkbox(bool(init.get("translate", False)),
                                    label="Translate to English", elem_id=f"{TAB}-translate")
            run_btn, cancel_btn = widgets.run_buttons(TAB, "Transcribe")
        with gr.Column(scale=3, min_width=360):
            transcript = gr.Textbox(label="Transcript", lines=8, max_lines=20, interactive=False,
                                    buttons=["copy"], elem_id=f"{TAB}-output")
            player = gr.Audio(label="Listen with subtitles", interactive=False, type="filepath",
                              elem_id=f"{TAB}-player", visible=False)
            segments = gr.Dataframe(headers=["Start", "End", "Text"], label="Segments",
                                    interactive=False, wrap=True, elem_id=f"{TAB}-segments",
                                    column_widths=["12%", "12%", "76%"])
            files = gr.File(label="Downloads", file_count="multiple", interactive=False,
                            elem_id=f"{TAB}-files")
            panel = run_panel(TAB)
    widgets.wire_preset(ctx, TAB, TASK, preset, about,
                        {"language": language, "transcription": fmt, "translate": translate})

    view = TranscribeView(panel, transcript, segments, files, player)
    ctx.reopen.add(TAB, {"audio": audio})
    ctx.reopen.shows(TAB, [transcript, segments, files, player, *panel.outputs],
                     partial(_shows, ctx, view), panel.status)
    wire_run(ctx, TAB, panel, run_btn, cancel_btn, bind(transcribe, ctx, view),
             inputs=[audio, language, fmt, translate, preset],
             outputs=[transcript, segments, files, player], progress_on=[transcript],
             preprocess=False, stale={transcript: "", segments: None, files: None,
                                      player: gr.update(value=None, visible=False)})


def _ignored_language(lang: str | None) -> str:
    """The local stand-in (Whisper tiny.en) hears English only: say so when asked for more."""
    if not lang or lang in ("auto", "en"):
        return ""
    name = dict((code, label) for label, code in LANGUAGES).get(lang, lang)
    return f" The offline model understands English only; {name} was ignored."


async def transcribe(ctx: AppContext, view: TranscribeView, audio: Any, language: str | None,
                     transcription: str, translate: bool, preset: str | None,
                     token: str | None = None,
                     request: gr.Request | None = None,
                     progress: gr.Progress = PROGRESS) -> Any:
    """Transcribe: the text, timed segments, subtitle files and a player that shows them."""
    audio_path = path_of(audio)
    run = Run(ctx, TAB, request, token, progress)
    lang = language
    inputs: dict[str, Any] = {"transcription": transcription, "translate": bool(translate)}
    if lang and lang != "auto":  # older Whisper versions have no "auto": leave it out
        inputs["language"] = lang

    async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
        path = require_file(audio_path, "The audio", AUDIO_HINT, ctx.max_upload_bytes)
        return await ctx.service.transcribe(
            str(path), preset=widgets.preset_value(preset), token=token,
            on_update=on_update, caller=caller, **inputs,
        )

    async for update in run.execute(call, view.panel):
        yield update
    if run.result is None:
        return
    yield _result_updates(ctx, view, run, audio_path, lang)


def _shows(ctx: AppContext, view: TranscribeView, run: Run,
           values: dict[str, Any]) -> dict[Any, Any]:
    """A saved run shown again (a reload)."""
    audio = values.get("audio")
    language = values.get("language")
    return _result_updates(ctx, view, run, str(audio) if isinstance(audio, Path) else None,
                           language if isinstance(language, str) else None)


def _result_updates(ctx: AppContext, view: TranscribeView, run: Run, audio_path: str | None,
                    lang: str | None) -> dict[Any, Any]:
    assert run.result is not None
    output = run.result.output if isinstance(run.result.output, dict) else {}
    text = str(output.get("translation") or output.get("transcription") or "").strip()
    segs = segments_of(output)
    plain = " ".join(s["text"] for s in segs) or text
    key = hashlib.sha256(f"{run.result.prediction_id}{plain}".encode()).hexdigest()[:16]
    paths = write_transcripts(ctx.output_dir / "transcripts" / key, plain, segs)
    subtitles = [{"text": s["text"], "timestamp": [s["start"], s["end"]]} for s in segs]
    language_found = output.get("detected_language") or "unknown"
    ignored = _ignored_language(lang) if ctx.backend.is_local else ""
    return {
        view.transcript: text,
        view.segments: [[short_clock(s["start"]), short_clock(s["end"]), s["text"]]
                   for s in segs],
        view.files: [str(p) for p in paths],
        view.player: gr.Audio(value=audio_path, subtitles=subtitles or None, visible=True),
        view.panel.status: run.done_status(
            f"{len(segs)} segment(s), language: {language_found}.{ignored}"),
        view.panel.details: details_markdown(run.result, [f"**Language** {language_found}"]),
    }
