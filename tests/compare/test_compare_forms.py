"""Compare entries use the same forms as the Models tab: shared inputs once, each entry's own
fields as its overrides (only what differs from the model's default), the JSON box on top."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.compare.forms import FormProblem, build_session, entry_form, entry_overrides
from playground.forms import form_from_schema

SEEDS = json.loads((Path(__file__).parent.parent / "fixtures" /
                    "seed-model-schemas.json").read_text())


def seed_form(ref: str):  # type: ignore[no-untyped-def]
    seed = SEEDS[ref]
    return form_from_schema({"components": {"schemas": {"Input": seed["input"],
                                                        **seed["components"]}}})


SDXL = next(k for k in SEEDS if k.startswith("stability-ai/sdxl"))
ESRGAN = next(k for k in SEEDS if k.startswith("nightmareai/real-esrgan"))


def test_an_entry_form_leaves_out_what_is_shared() -> None:
    own = entry_form(seed_form(SDXL), "image")
    assert "prompt" not in own and "seed" not in own
    assert "image" not in own and "mask" not in own  # files: shared or not at all
    assert {"negative_prompt", "scheduler", "num_outputs", "guidance_scale"} <= set(own.names)
    esrgan = entry_form(seed_form(ESRGAN), "image-to-image")
    assert esrgan.names == ["scale", "face_enhance"]


def test_overrides_are_the_values_set_in_the_form() -> None:
    own = entry_form(seed_form(ESRGAN), "image-to-image")
    assert entry_overrides(own, {}, 0) == {}  # nothing set: the model's defaults apply
    assert entry_overrides(own, {"scale": 4.0}, 0) == {"scale": 4.0}  # set, even if default
    assert entry_overrides(own, {"scale": "2", "face_enhance": True}, 0) == {
        "scale": 2, "face_enhance": True}
    with pytest.raises(FormProblem, match=r"Entry 2: Scale: must be between 0 and 10 \(got 11\)"):
        entry_overrides(own, {"scale": 11}, 1)


def test_a_session_from_entry_forms_with_json_on_top(tmp_path: Path) -> None:
    session = build_session(
        "chat", ["local/smollm2-135m-instruct", "local/smollm2-135m-instruct"],
        ["", '{"max_tokens": 64}'], prompt="Hi", base=tmp_path,
        form_overrides=[{"temperature": 0}, {"temperature": 0.9, "max_tokens": 32}])
    assert session.entries[0].overrides == {"temperature": 0}
    assert session.entries[1].overrides == {"temperature": 0.9, "max_tokens": 64}
    assert session.inputs == {"prompt": "Hi"}
