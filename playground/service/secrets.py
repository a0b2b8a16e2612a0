"""Secret inputs (`x-cog-secret`, e.g. a Hugging Face token given to a model): sent to the
model, and blanked in everything a run leaves behind (its result, the prediction it keeps, the
hooks such as a history) before any of it exists. Which inputs are secret travels with the run
(`RunOptions.secret_inputs`, from run_model/stream_model's `secret_inputs=`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from playground.replicate.types import Prediction

REDACTED = "••••••••"


def redacted(names: Collection[str], inputs: dict[str, Any], prediction: Prediction
             ) -> tuple[dict[str, Any], Prediction]:
    """The inputs and the prediction with the secret inputs `names` blanked."""
    if not names:
        return inputs, prediction

    def blank(values: dict[str, Any]) -> dict[str, Any]:
        return {k: REDACTED if k in names else v for k, v in values.items()}

    return blank(inputs), prediction.model_copy(update={"input": blank(prediction.input or {})})
