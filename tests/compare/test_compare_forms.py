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
    # the image task shares no file: SDXL's image and mask are this entry's own uploads
    assert own["image"].is_file and own["mask"].is_file
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


def test_an_entry_form_has_its_own_files_and_secrets() -> None:
    """Compare entries get the upload and password fields of their model (issue 11, point 5)."""
    from playground.forms import form_from_schema as schema_form

    form = schema_form({"components": {"schemas": {"Input": {"type": "object", "properties": {
        "image": {"type": "string", "format": "uri", "x-order": 0},
        "mask": {"type": "string", "format": "uri", "x-order": 1},
        "api_key": {"type": "string", "x-cog-secret": True, "format": "password",
                    "x-order": 2}}, "required": ["image"]}}}})
    own = entry_form(form, "image-to-image")
    assert own.names == ["mask", "api_key"]  # the shared image once, above
    assert own["api_key"].kind == "password"


def test_secrets_are_sent_but_never_saved_and_files_are_kept(tmp_path: Path) -> None:
    upload = tmp_path / "mask.png"
    upload.write_bytes(b"\x89PNG fake")
    session = build_session(
        "chat", ["local/smollm2-135m-instruct", "local/smollm2-135m-instruct"], ["", ""],
        prompt="Hi", base=tmp_path,
        form_overrides=[{"api_key": "s3cret-value", "mask": upload}, {"temperature": 0.5}],
        form_secrets=[frozenset({"api_key"}), frozenset()])
    entry = session.entries[0]
    assert entry.overrides == {} and entry.files["mask"].startswith("compare/inputs/")
    shared, own = session.entry_parts(0, tmp_path)
    assert own["api_key"] == "s3cret-value" and own["mask"].read_bytes() == b"\x89PNG fake"
    assert session.secret_names(0) == {"api_key"}
    assert "s3cret" not in session.model_dump_json()  # the session file never holds it
    assert "s3cret" not in session.model_copy(deep=True).model_dump_json()


def test_a_typo_names_the_entry_in_plain_words(tmp_path: Path) -> None:
    with pytest.raises(FormProblem, match=r"Entry 2's Advanced box has a typo") as caught:
        build_session("chat", ["local/a", "local/b"], ["", '{"temperature": 0.9'],
                      prompt="Hi", base=tmp_path)
    assert "JSON" not in str(caught.value)
    with pytest.raises(FormProblem, match=r"Entry 1: 'not a model' is not a model name"):
        build_session("chat", ["not a model", "local/b"], ["", ""], prompt="Hi",
                      base=tmp_path)
