"""The price table (data in `playground/data/prices.toml`) and the cost estimate it gives.

A cost is only ever an estimate: predict_time x the price per second of the hardware the model is
listed on, or, for models billed per token (Replicate's official language models), input and
output tokens x their prices. Models the table does not list get no estimate at all rather than a
guess; `[unpriced]` says why a known model has none.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TABLE = Path(__file__).resolve().parent.parent / "data" / "prices.toml"


TOKENS = "per-token"  # the Estimate.hardware of a token-priced model


@dataclass(frozen=True)
class Estimate:
    hardware: str  # a sku, or TOKENS
    usd: float


@dataclass(frozen=True)
class TokenPrice:
    input: float  # USD per input token
    output: float  # USD per output token


@dataclass(frozen=True)
class PriceTable:
    hardware: dict[str, float]  # sku -> USD per second
    models: dict[str, str] = field(default_factory=dict)  # "owner/name" or "owner/*" -> sku
    tokens: dict[str, TokenPrice] = field(default_factory=dict)  # "owner/name" -> prices
    unpriced: dict[str, str] = field(default_factory=dict)  # "owner/name" -> why no price
    label: str = "estimate"
    currency: str = "USD"

    @classmethod
    def load(cls, path: Path | None = None) -> PriceTable:
        data = tomllib.loads((path or DEFAULT_TABLE).read_text(encoding="utf-8"))
        hardware = {str(k): float(v) for k, v in data.get("hardware", {}).items()}
        models = {str(k): str(v) for k, v in data.get("models", {}).items()}
        unknown = sorted(set(models.values()) - set(hardware))
        if unknown:
            raise ValueError(f"prices table lists models on unknown hardware: {unknown}")
        tokens = {str(k): TokenPrice(float(v["input"]), float(v["output"]))
                  for k, v in data.get("tokens", {}).items()}
        unpriced = {str(k): str(v) for k, v in data.get("unpriced", {}).items()}
        return cls(hardware, models, tokens, unpriced, str(data.get("label", "estimate")),
                   str(data.get("currency", "USD")))

    def hardware_for(self, model: str | None) -> str | None:
        """The sku a model runs on: exact `owner/name` first, then `owner/*`."""
        if not model:
            return None
        name = model.split(":", 1)[0]
        if name in self.models:
            return self.models[name]
        return self.models.get(name.split("/", 1)[0] + "/*")

    def token_price(self, model: str | None) -> TokenPrice | None:
        return self.tokens.get(model.split(":", 1)[0]) if model else None

    def priced(self, model: str) -> str | None:
        """How a model is priced ("per-token", a sku), the reason it is not, or None."""
        if self.token_price(model) is not None:
            return TOKENS
        sku = self.hardware_for(model)
        if sku is not None:
            return sku
        reason = self.unpriced.get(model.split(":", 1)[0])
        return f"not priced: {reason}" if reason else None

    def estimate(self, model: str | None, predict_time: float | None,
                 metrics: Mapping[str, float] | None = None) -> Estimate | None:
        """Per token when the model is billed so (needs the token counts in `metrics`),
        otherwise predict_time x the hardware's price per second."""
        per_token = self.token_price(model)
        if per_token is not None:
            counts = metrics or {}
            if "input_token_count" not in counts or "output_token_count" not in counts:
                return None
            return Estimate(TOKENS, max(counts["input_token_count"], 0) * per_token.input
                            + max(counts["output_token_count"], 0) * per_token.output)
        sku = self.hardware_for(model)
        if sku is None or predict_time is None:
            return None
        return Estimate(sku, max(predict_time, 0.0) * self.hardware[sku])


def format_cost(usd: float | None) -> str:
    """`~$0.00042 (estimate)`; sub-cent costs keep two significant digits."""
    if usd is None:
        return "n/a"
    if usd >= 0.01:
        text = f"{usd:.2f}"
    elif usd > 0:  # two significant digits, never scientific notation
        text = f"{usd:.{1 - math.floor(math.log10(usd))}f}".rstrip("0")
    else:
        text = "0"
    return f"~${text} (estimate)"


FREE = "free, on this computer"


def is_local(model: str | None) -> bool:
    """A model of the embedded engine (runs on this computer, costs nothing). The one rule
    wherever a cost shows (Compare and its export, History, the Models tab): the engine names
    every model it runs `local/...`, so a stored run's model says it as its backend does."""
    return (model or "").startswith("local/")


def cost_text(model: str | None, usd: float | None) -> str:
    """What a run costs: nothing on this computer, else an estimate of Replicate's price."""
    return FREE if is_local(model) else format_cost(usd)


def cost_note(models: list[str | None]) -> str:
    """The line under a cost column: free on this computer, estimates on Replicate."""
    if models and all(is_local(m) for m in models):
        return "Runs on this computer are free."
    return ("Runs on this computer are free; Replicate's costs are estimates (the model's "
            "time x the hardware's price per second).")
