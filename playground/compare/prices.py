"""The price table (data in `playground/data/prices.toml`) and the cost estimate it gives.

A cost is only ever an estimate: predict_time x the price per second of the hardware the model is
listed on. Models the table does not list get no estimate at all rather than a guess.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TABLE = Path(__file__).resolve().parent.parent / "data" / "prices.toml"


@dataclass(frozen=True)
class Estimate:
    hardware: str
    usd: float


@dataclass(frozen=True)
class PriceTable:
    hardware: dict[str, float]  # sku -> USD per second
    models: dict[str, str] = field(default_factory=dict)  # "owner/name" or "owner/*" -> sku
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
        return cls(hardware, models, str(data.get("label", "estimate")),
                   str(data.get("currency", "USD")))

    def hardware_for(self, model: str | None) -> str | None:
        """The sku a model runs on: exact `owner/name` first, then `owner/*`."""
        if not model:
            return None
        name = model.split(":", 1)[0]
        if name in self.models:
            return self.models[name]
        return self.models.get(name.split("/", 1)[0] + "/*")

    def estimate(self, model: str | None, predict_time: float | None) -> Estimate | None:
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
