"""What the Models tab says in words: a model that cannot run here (offline, and the local model
that stands in for it), a run's cost estimate and summary, and which inputs are required."""

from __future__ import annotations

from typing import Any

from playground.compare import PriceTable, cost_text, is_local
from playground.service import LocalModel, ModelProblem, ModelSetup, read_ref
from playground.ui.context import AppContext
from playground.ui.kit.messages import Message


def not_here(ctx: AppContext, text: str) -> tuple[Message, LocalModel | None] | None:
    """Offline, a model the engine does not have, in plain words: a Replicate model needs
    Replicate (no token is in play here), and the local model standing in for it, if one can run
    here, is named and offered. None: the engine has it, or this is not offline."""
    if not ctx.backend.is_local:
        return None
    try:
        ref, _ = read_ref(text)
    except ModelProblem:
        return None  # not a model name: find_model says so
    models = ctx.service.local_models()
    if not models or ref.lower() in {name.lower() for name in models}:
        return None
    if ref.lower().startswith("local/"):
        return Message("Not on this computer", f"There is no model {ref} on this computer. "
                       "Check the spelling, or pick one from the list of the models that run "
                       "here.",
                       "warning"), None
    said = (f"{ref} runs on Replicate, and this playground is offline (no Replicate token), "
            "so it cannot run here.")
    stand_ins = [m for m in models.values()
                 if m.stands_in_for and m.stands_in_for.lower() == ref.lower()]
    usable = next((m for m in stand_ins if m.available), None)
    if usable is not None:
        said += (f" Here {usable.title} ({usable.ref}) stands in for it"
                 + (f" ({usable.caveat})" if usable.caveat else "") + ": open it below.")
    elif stand_ins:
        said += (f" Its stand-in, {stand_ins[0].title} ({stand_ins[0].ref}), cannot run on "
                 "this computer. The models that run here are in the list.")
    else:
        said += " The models that run here are in the list."
    said += " To use Replicate's models, see Details at the top of the page."
    return Message("Needs Replicate", said, "warning"), usable


def cost_line(prices: PriceTable, result: Any) -> list[str]:
    """The run's cost as Compare shows it: free on this computer, else an estimate when the
    price table knows the model."""
    if is_local(result.model):
        return [f"**Cost** {cost_text(result.model, None)}"]
    estimate = prices.estimate(result.model, result.metrics.get("predict_time"),
                               result.metrics)
    if estimate is None:
        return []
    return [f"**Cost** {cost_text(result.model, estimate.usd)} ({estimate.hardware})"]


def required_note(chosen: ModelSetup) -> str:
    needed = [f.label for f in chosen.form if f.required and not f.has_default]
    return f"Required: {', '.join(needed)}." if needed else ""


def summary(result: Any) -> str:
    files = list(result.files)
    if files:
        return f"{len(files)} output file{'s' if len(files) != 1 else ''}."
    text = result.text
    return f"{len(text):,} characters of output." if text else ""
