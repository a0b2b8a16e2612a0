"""local/whisper-tiny-en: speech to text with Whisper tiny.en (CTranslate2 int8, faster-whisper).

Stands in for openai/whisper (version 4d50797290...): the same input names and the same
output object (`segments`, `transcription`, `translation`, `txt_file`, `srt_file`,
`detected_language`). tiny.en knows English only; inputs it cannot honour are logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from playground.engine import model_store

from . import _whisper_inputs as takes
from ._common import loading, missing_weights, require
from ._whisper_languages import LANGUAGES
from .base import EngineModel, PredictContext

STORE = "whisper-tiny-en"
FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
# "auto" is not in this version's enum, but apps copy it from the newer version; accept it.
Language = Literal[("auto", *LANGUAGES)]  # type: ignore[valid-type]


COMMON_AUDIO = "send a common audio file such as WAV, MP3, OGG, FLAC or M4A"


def _f(order: int, description: str, **kw: Any) -> Any:
    return Field(description=description, json_schema_extra={"x-order": order}, **kw)


class Input(BaseModel):
    audio: Path = _f(0, "Audio file")
    model: str = _f(
        1,
        "Accepted for compatibility; this local model is always Whisper tiny.en.",
        default="large-v3",
    )
    transcription: Literal["plain text", "srt", "vtt"] = _f(
        2, "Choose the format for the transcription", default="plain text"
    )
    translate: bool = _f(3, "Translate the text to English when set to True", default=False)
    language: Language | None = _f(  # type: ignore[valid-type]
        4,
        "language spoken in the audio, specify None to perform language detection",
        default=None,
    )
    temperature: float = _f(5, "temperature to use for sampling", default=0, ge=0, le=1)
    patience: float | None = _f(
        6,
        "optional patience value to use in beam decoding, as in "
        "https://arxiv.org/abs/2204.05424, the default (1.0) is equivalent to conventional "
        "beam search",
        default=None,
        ge=takes.PATIENCE_MIN,  # openai/whisper says only "a number": what the runtime takes
        le=takes.PATIENCE_MAX,
    )
    suppress_tokens: str = Field(
        default="-1",
        description="comma-separated list of token ids to suppress during sampling; '-1' will "
        f"suppress most special characters except common punctuations (ids 0 to "
        f"{takes.VOCABULARY - 1})",
        json_schema_extra={"x-order": 7, "pattern": takes.SUPPRESS_TOKENS},
    )
    initial_prompt: str | None = _f(
        8, "optional text to provide as a prompt for the first window.", default=None
    )
    condition_on_previous_text: bool = _f(
        9,
        "if True, provide the previous output of the model as a prompt for the next window; "
        "disabling may make the text inconsistent across windows, but the model becomes less "
        "prone to getting stuck in a failure loop",
        default=True,
    )
    temperature_increment_on_fallback: float = _f(
        10,
        "temperature to increase when falling back when the decoding fails to meet either "
        "of the thresholds below",
        default=0.2,
        ge=0,
        le=1,
    )
    compression_ratio_threshold: float = _f(
        11,
        "if the gzip compression ratio is higher than this value, treat the decoding as failed",
        default=2.4,
    )
    logprob_threshold: float = _f(
        12,
        "if the average log probability is lower than this value, treat the decoding as failed",
        default=-1,
    )
    no_speech_threshold: float = _f(
        13,
        "if the probability of the <|nospeech|> token is higher than this value AND the "
        "decoding has failed due to `logprob_threshold`, consider the segment as silence",
        default=0.6,
    )

    # The pattern above, checked with a plain message (pydantic's would quote the regex).
    _suppress_tokens = field_validator("suppress_tokens")(takes.check_suppress_tokens)


OUTPUT_SCHEMA = {
    "type": "object",
    "title": "Output",
    "required": ["detected_language", "transcription"],
    "properties": {
        "segments": {"title": "Segments"},
        "srt_file": {"type": "string", "title": "Srt File", "format": "uri"},
        "txt_file": {"type": "string", "title": "Txt File", "format": "uri"},
        "translation": {"type": "string", "title": "Translation"},
        "transcription": {"type": "string", "title": "Transcription"},
        "detected_language": {"type": "string", "title": "Detected Language"},
    },
}


def timestamp(seconds: float, always_hours: bool = False, marker: str = ".") -> str:
    """Whisper's own format: [hh:]mm:ss.mmm."""
    ms = round(seconds * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    head = f"{hours:02d}:" if always_hours or hours else ""
    return f"{head}{minutes:02d}:{secs:02d}{marker}{ms:03d}"


def to_srt(segments: list[dict[str, Any]]) -> str:
    return "".join(
        f"{i}\n{timestamp(s['start'], True, ',')} --> {timestamp(s['end'], True, ',')}\n"
        f"{s['text'].strip().replace('-->', '->')}\n\n"
        for i, s in enumerate(segments, start=1)
    )


def to_vtt(segments: list[dict[str, Any]]) -> str:
    return "WEBVTT\n\n" + "".join(
        f"{timestamp(s['start'])} --> {timestamp(s['end'])}\n"
        f"{s['text'].strip().replace('-->', '->')}\n\n"
        for s in segments
    )


class WhisperTinyEn(EngineModel):
    name = "whisper-tiny-en"
    description = (
        "Whisper tiny.en (CTranslate2 int8 on faster-whisper): English speech to text, a local "
        "stand-in for openai/whisper with the same inputs and output."
    )
    stands_in_for = "openai/whisper"
    title = "Whisper tiny.en"
    caveat = "English only"
    Input = Input
    output_schema = OUTPUT_SCHEMA

    def __init__(self) -> None:
        self._model: Any = None

    def availability(self) -> str | None:
        return missing_weights(STORE, *FILES)

    def load(self, ctx: PredictContext) -> None:
        require(self.availability())
        from faster_whisper import WhisperModel

        # The folder path, never a size name: a name would go to the model hub.
        path = model_store.path_for(STORE)
        with loading(ctx, "Whisper tiny.en (int8)", path):
            self._model = WhisperModel(str(path), device="cpu", compute_type="int8")

    def unload(self) -> bool:
        self._model = None
        return True

    def _note_ignored(self, inp: Input, ctx: PredictContext) -> None:
        if inp.model != "large-v3":
            ctx.log(f"model={inp.model} is ignored: this local model is Whisper tiny.en")
        if inp.language not in (None, "auto", "en", "English"):
            ctx.log(f"language={inp.language} is ignored: Whisper tiny.en knows English only")
        if inp.translate:
            ctx.log("translate: Whisper tiny.en only writes English; translation = transcription")

    def _transcribe(self, inputs: Input, temps: list[float]) -> Any:
        """faster-whisper decodes the whole file up front: an unreadable one fails here, with
        PyAV's message and our internal path; say it plainly instead."""
        import av

        if inputs.audio.stat().st_size == 0:
            raise ValueError("cannot read the input as audio: the file is empty")
        try:  # an image or a silent video opens fine and has no audio stream
            with av.open(str(inputs.audio)) as container:
                has_audio = bool(container.streams.audio)
        except (av.error.FFmpegError, OSError, ValueError):
            has_audio = False
        if not has_audio:
            raise ValueError(
                f"cannot read the input as audio: it is not audio we can decode; {COMMON_AUDIO}")
        try:
            return self._model.transcribe(
                str(inputs.audio),
                language="en",
                task="transcribe",
                beam_size=takes.BEAM_SIZE,  # the patience range depends on it
                patience=inputs.patience or 1.0,
                temperature=temps,
                compression_ratio_threshold=inputs.compression_ratio_threshold,
                log_prob_threshold=inputs.logprob_threshold,
                no_speech_threshold=inputs.no_speech_threshold,
                condition_on_previous_text=inputs.condition_on_previous_text,
                initial_prompt=inputs.initial_prompt or None,
                suppress_tokens=takes.suppress_ids(inputs.suppress_tokens),
            )
        except av.error.FFmpegError as exc:
            raise ValueError(
                f"cannot read the input as audio ({exc.strerror or type(exc).__name__}): "
                f"{COMMON_AUDIO}"
            ) from None

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> dict[str, Any]:
        assert isinstance(inputs, Input)
        self._note_ignored(inputs, ctx)
        step = inputs.temperature_increment_on_fallback
        temps, widened = takes.fallback_temperatures(inputs.temperature, step)
        if widened:
            ctx.log(f"temperature_increment_on_fallback={step:g} would try more than "
                    f"{takes.MAX_TEMPERATURES} temperatures: trying {len(temps)}, from "
                    f"{temps[0]:g} to {temps[-1]:g}")
        segments_iter, info = self._transcribe(inputs, temps)
        duration = max(info.duration, 0.001)
        ctx.log(f"transcribing {info.duration:.1f} s of audio")
        segments: list[dict[str, Any]] = []
        ctx.check()
        for seg in segments_iter:  # lazy: each step decodes one segment
            # ids count from 0 as in openai/whisper (faster-whisper counts from 1)
            segments.append(
                {
                    "id": len(segments),
                    "seek": seg.seek,
                    "start": seg.start,
                    "end": seg.end,
                    "text": seg.text,
                    "tokens": list(seg.tokens),
                    "temperature": seg.temperature,
                    "avg_logprob": seg.avg_logprob,
                    "compression_ratio": seg.compression_ratio,
                    "no_speech_prob": seg.no_speech_prob,
                }
            )
            ctx.progress(round(min(seg.end, duration)), round(duration), "transcribing")
            ctx.check()
        plain = "".join(s["text"] for s in segments).strip()
        if inputs.transcription == "srt":
            transcription = to_srt(segments)
        elif inputs.transcription == "vtt":
            transcription = to_vtt(segments)
        else:
            transcription = plain
        txt_file = ctx.workdir / "transcription.txt"
        txt_file.write_text(plain + "\n", encoding="utf-8")
        srt_file = ctx.workdir / "transcription.srt"
        srt_file.write_text(to_srt(segments), encoding="utf-8")
        return {
            "segments": segments,
            "transcription": transcription,
            "translation": plain if inputs.translate else None,
            "txt_file": txt_file,
            "srt_file": srt_file,
            "detected_language": "english",
        }
