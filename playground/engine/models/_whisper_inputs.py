"""What Whisper tiny.en on CTranslate2 takes of openai/whisper's inputs, for its schema.

Measured on the runtime (faster-whisper 1.x over CTranslate2), with beam size 5:
- a suppressed token id must be one of the model's 51,864 (0..51863) or -1 ("most special
  characters"): a larger id makes CTranslate2 write past its buffer (the process segfaults),
  and another negative one is filtered out only when -1 is there too;
- `patience`: beam size x patience, rounded, is a count of hypotheses that must be at least 1
  and fit 64 bits (0.099 fails, 0.1 works; 3e18 works, 4e18 fails);
- `temperature_increment_on_fallback`: openai/whisper lists every temperature from
  `temperature` to 1.0 in these steps; a step of 1e-9 would list a billion (and, rounded as
  they are, a step of 1e-7 never reaches 1.0 at all).
"""

from __future__ import annotations

import re

VOCABULARY = 51_864  # tiny.en's token ids are 0..51863 (vocabulary.txt, the logits' width)
BEAM_SIZE = 5
PATIENCE_MIN = 0.1  # 5 x 0.1 rounds to one hypothesis
PATIENCE_MAX = 1e18  # 5e18 hypotheses still fit 64 bits
MAX_TEMPERATURES = 100  # fallback temperatures tried at most (the default step 0.2 gives 6)

# One id: -1, or 0..51863 (leading zeros allowed: int() reads them as the model does).
_ID = r"(?:-1|[0-9]{1,4}|0[0-9]{4}|[1-4][0-9]{4}|50[0-9]{3}|51[0-7][0-9]{2}|518[0-5][0-9]" \
      r"|5186[0-3])"
# Comma-separated ids; blanks around them and empty items (",,") are skipped, as before.
SUPPRESS_TOKENS = rf"^\s*(?:{_ID}\s*)?(?:,\s*(?:{_ID}\s*)?)*$"
SUPPRESS_RULE = ("comma-separated token ids, each -1 (most special characters) or a token of "
                 f"this model: 0 to {VOCABULARY - 1}")
_SUPPRESS = re.compile(SUPPRESS_TOKENS)


def check_suppress_tokens(value: str) -> str:
    """The value as given, or ValueError saying what the field takes (a 422 naming it)."""
    if not _SUPPRESS.fullmatch(value):
        raise ValueError(f"must be {SUPPRESS_RULE}")
    return value


def suppress_ids(value: str) -> list[int]:
    """A checked `suppress_tokens` as ids."""
    return [int(t) for t in check_suppress_tokens(value).split(",") if t.strip()]


def fallback_temperatures(start: float, step: float) -> tuple[list[float], bool]:
    """openai/whisper's `arange(start, 1.0 + 1e-6, step)`: the temperatures tried in turn when a
    decoding fails. At most MAX_TEMPERATURES of them: a smaller step is widened so that they
    still reach 1.0 (the second value says so, for the prediction's logs)."""
    if step <= 0 or start >= 1.0:
        return [start], False
    widest = (1.0 - start) / (MAX_TEMPERATURES - 1)
    widened = step < widest
    step = max(step, widest)
    count = min(int((1.0 + 1e-6 - start) / step) + 1, MAX_TEMPERATURES)
    # each from the start (not the previous one plus the step): rounding cannot stall them
    return [round(start + i * step, 6) for i in range(count)], widened
