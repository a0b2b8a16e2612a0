"""Every error a tab can meet, worded for someone who does not write code.

One place maps exceptions (by type, from the service's error tree) and failed or canceled
results to messages, so every tab says the same thing the same way. Nothing here imports gradio:
`playground.ui.kit.runner` turns a `Message` into `gr.Error` / a status line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

from playground.results import UNAVAILABLE, Failure, RunResult, failure_of
from playground.service import errors, scrub

log = logging.getLogger("playground.ui")

Kind = Literal["error", "warning", "canceled"]

TOKEN_HELP = "Paste your Replicate API token under **API token** at the top of the page."
TOKEN_URL = "https://replicate.com/account/api-tokens"

# Words only a developer reads: a message holding one says it plainly and keeps the original
# for the run's Details (one click away).
_TECHNICAL = re.compile(r"`|https?://|\b(?:pip|apt-get|PyPI|REPLICATE_API_TOKEN|--backend|"
                        r"models pull|data URI|Files API)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Message:
    """What a tab shows: a short title and a sentence or two saying what to do, in plain
    words; `detail` is the technical side (a command, an address), shown under Details."""

    title: str
    text: str
    kind: Kind = "error"
    detail: str = ""

    @property
    def markdown(self) -> str:
        return f"**{self.title}.** {self.text}"


def describe(exc: BaseException, *, backend_url: str = "", local: bool = False,
             had_token: bool = True) -> Message:
    """The message for `exc`. Unknown errors are logged (without secrets) and named vaguely."""
    msg = _describe(exc, backend_url=backend_url, local=local, had_token=had_token)
    return Message(msg.title, scrub(msg.text), msg.kind, scrub(msg.detail))


def for_result(result: RunResult, *, local: bool = False) -> Message:
    """The message for a run that did not succeed: canceled, or failed with its error."""
    if result.canceled:
        return Message("Canceled", "The run was canceled; nothing more will be charged.",
                       "canceled")
    msg = _failed(result.error, local=local)
    return Message(msg.title, scrub(msg.text), msg.kind, scrub(msg.detail))


def _describe(exc: BaseException, *, backend_url: str, local: bool, had_token: bool) -> Message:
    if isinstance(exc, errors.MissingInput):
        return Message(f"{exc.field} is missing", exc.hint)
    if isinstance(exc, errors.UnknownPreset):
        known = ", ".join(f"`{k}`" for k in exc.known) or "none"
        return Message("Unknown preset",
                       f"There is no {exc.task} preset named “{exc.name}”. Known presets: "
                       f"{known}.")
    if isinstance(exc, errors.RunRefused):  # demo mode's limits: nothing was sent
        return Message(exc.title, str(exc), "warning")
    if isinstance(exc, errors.MessageTooLong):
        return Message("Message too long for this model",
                       f"It is about {exc.tokens:,} tokens and the model reads at most "
                       f"{exc.context:,} at once, its answer included. Shorten the message.")
    if isinstance(exc, errors.FileTooLarge):
        return Message("File too large", str(exc))
    if isinstance(exc, errors.DownloadFailed):
        return Message("Could not fetch the result", str(exc))
    if isinstance(exc, errors.FileProblem):
        return Message("Problem with the file", str(exc))
    if isinstance(exc, errors.Unauthenticated):
        if not had_token:
            return Message("An API token is needed",
                           f"{TOKEN_HELP} You can create one at {TOKEN_URL}.")
        return Message("Your API token was not accepted",
                       "Check the token under **API token** at the top of the page "
                       "(Replicate tokens start with `r8_`). "
                       f"You can create a new one at {TOKEN_URL}.")
    if isinstance(exc, errors.PaymentRequired):
        return Message("Out of credit",
                       "The Replicate account behind this token has no credit left. Add billing at "
                       "https://replicate.com/account/billing, then try again.")
    if isinstance(exc, errors.InvalidInput):
        return Message("Some settings were not accepted", _invalid_fields(exc))
    if isinstance(exc, errors.RateLimited):
        wait = _seconds(exc.retry_after)
        return Message("Too many requests",
                       f"The backend asked us to slow down. Try again in {wait}.", "warning")
    if isinstance(exc, errors.PayloadTooLarge):
        return Message("File too large",
                       "The backend refused the upload because it is too large. "
                       "Try a smaller file (fewer pixels, or a shorter recording).")
    if isinstance(exc, errors.NotFound):
        if local:
            return Message("Model not available on this computer",
                           "This computer does not have this model. Details says how to get "
                           "it, or how to use Replicate's models instead.",
                           detail="Run `playground models pull` to fetch the local models, or "
                           "start the playground with a Replicate token "
                           "(`REPLICATE_API_TOKEN=r8_… make start`).")
        return Message("Not found",
                       "The backend does not know this model or version. Check the preset, or "
                       "whether your token can see this model.")
    if isinstance(exc, errors.ServerError):
        return Message("The backend had a problem",
                       f"It answered with error {exc.status}. This is usually temporary: "
                       "wait a moment and try again.")
    if isinstance(exc, errors.APIError):
        detail = exc.detail or exc.title or f"error {exc.status}"
        return Message("The backend refused the request", detail)
    if isinstance(exc, errors.ConnectionFailed):
        where = exc.url or backend_url
        detail = f"Nothing answered at {where}." if where else "Nothing answered."
        if local:
            return Message("Cannot reach the models on this computer",
                           "The part of the playground that runs the models stopped answering. "
                           "Close the playground and start it again.",
                           detail=f"{detail} Start it again with `playground --backend local`.")
        return Message("Cannot reach the backend",
                       "Nothing answered. Check your internet connection, then try again.",
                       detail=f"{detail} Check the backend address too.")
    if isinstance(exc, errors.PredictionCanceled):
        return Message("Canceled", "The run was canceled; nothing more will be charged.",
                       "canceled")
    if isinstance(exc, errors.PredictionTimedOut):
        return Message("Took too long",
                       f"The model did not finish within {_seconds(exc.timeout)} and was stopped. "
                       "Try a smaller input or fewer steps.")
    if isinstance(exc, errors.PredictionFailed):
        return _failed(exc.error, local=local)
    if isinstance(exc, TimeoutError):
        return Message("Took too long", "The backend did not answer in time. Try again.")
    log.error("unexpected error in the UI: %s", type(exc).__name__, exc_info=exc)
    return Message("Something went wrong",
                   f"An unexpected error happened ({type(exc).__name__}). Try again; if it keeps "
                   "happening, the details are in the console where the playground runs.")


def _failed(reported: object, *, local: bool) -> Message:
    kind = failure_of(reported)
    error = str(reported or "").strip() or "the model stopped without saying why"
    error = UNAVAILABLE.sub("", error)  # "local/x is unavailable: why": the reason reads better
    error = error[:1].upper() + error[1:]
    if kind is Failure.CONTEXT_FULL:
        return Message("The conversation is too long for this model",
                       "Clear the conversation (the bin button at the top right of the chat) "
                       "and ask again, or send a shorter message.")
    if kind is Failure.INTERRUPTED:
        return Message("The model stopped midway",
                       f"{error.rstrip('.')}. What it wrote so far is kept; send the message "
                       "again to get a whole answer.")
    if kind is Failure.UNAVAILABLE:
        title = "Not available offline" if local else "Model not available"
        if _TECHNICAL.search(error):
            # "Text-to-image is not available locally: no PyPI package…": the plain first
            # clause stays in the first line
            head = re.split(r"[:;(]", error, maxsplit=1)[0].strip().rstrip(".")
            said = head if 10 < len(head) and not _TECHNICAL.search(head) else \
                "This model cannot run here"
            return Message(title, f"{said}. The reason and the fix are under Details.",
                           detail=error)
        return Message(title, error)
    if kind is Failure.UNREADABLE_FILE:
        return Message("The model could not read the file", error)
    if _TECHNICAL.search(error):
        return Message("The model could not finish", "The model stopped with an error; what it "
                       "said is under Details.", detail=f"It reported: {error}")
    return Message("The model could not finish", f"It reported: {error}")


def _invalid_fields(exc: errors.InvalidInput) -> str:
    parts = []
    for f in exc.invalid_fields:
        if not isinstance(f, dict):
            continue
        name = str(f.get("field") or "input").replace("input.", "").replace("_", " ")
        why = f.get("description") or f.get("type") or "invalid value"
        parts.append(f"**{name}**: {why}")
    if parts:
        return "; ".join(parts) + "."
    return exc.detail or "The backend did not say which one."


def _seconds(value: float | None) -> str:
    if not value or value <= 0:
        return "a few seconds"
    return f"{value:.0f} s" if value >= 1 else "a second"
