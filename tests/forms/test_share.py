"""A setup in a link, and back: the model and the non-file, non-secret inputs."""

from __future__ import annotations

from playground.forms import form_from_schema, model_from_query, read_query, share_query

from .conftest import seed_schemas
from .test_fields import SDXL, WHISPER, schema_of

SEEDS = seed_schemas()


def test_round_trip_keeps_types_and_leaves_files_and_defaults_out() -> None:
    form = form_from_schema(SEEDS[SDXL])
    values = {"prompt": "a red fox & a blue bird", "num_outputs": 2, "guidance_scale": 7.5,
              "apply_watermark": False, "scheduler": "DDIM", "image": "/tmp/x.png",
              "seed": 7}
    query = share_query("stability-ai/sdxl", form, values)
    assert "image" not in query and "guidance_scale" not in query  # a file; the default
    assert query.startswith("model=stability-ai%2Fsdxl&")
    setup = read_query(form, query)
    assert setup.model == "stability-ai/sdxl"
    assert setup.values == {"prompt": "a red fox & a blue bird", "num_outputs": 2,
                            "apply_watermark": False, "scheduler": "DDIM", "seed": 7}
    assert type(setup.values["num_outputs"]) is int and not setup.skipped


def test_an_input_called_model_does_not_clash() -> None:
    form = form_from_schema(schema_of({"model": {"type": "string", "enum": ["a", "b"],
                                                 "default": "a"}}))
    query = share_query("local/rembg", form, {"model": "b"})
    assert model_from_query(query) == "local/rembg"
    assert read_query(form, query).values == {"model": "b"}


def test_a_bad_link_fills_what_it_can_and_says_what_it_skipped() -> None:
    form = form_from_schema(SEEDS[WHISPER])
    setup = read_query(form, "?model=openai/whisper&input.temperature=nan"
                             "&input.transcription=docx&input.translate=true"
                             "&input.audio=/etc/passwd&input.nope=1")
    assert setup.values == {"translate": True}
    assert setup.skipped == [
        "Temperature: must be a finite number (not NaN or infinity).",
        "Transcription: 'docx' is not one of the choices (plain text, srt, vtt).",
        "Audio (files and secrets are never taken from a link)",
        "nope (not an input of this model)",
    ]


def test_secrets_never_go_in_a_link() -> None:
    form = form_from_schema(schema_of({"key": {"type": "string", "x-cog-secret": True},
                                       "prompt": {"type": "string"}}))
    query = share_query("a/b", form, {"key": "r8_secret", "prompt": "hi"})
    assert "r8_secret" not in query and "key" not in query
    assert read_query(form, query + "&input.key=x").values == {"prompt": "hi"}


def test_a_long_value_is_dropped_rather_than_the_link() -> None:
    form = form_from_schema(SEEDS[SDXL])
    query = share_query("stability-ai/sdxl", form, {"prompt": "x" * 20_000, "seed": 3})
    assert len(query) < 8_000 and "input.seed=3" in query and "xxxx" not in query


def test_no_model_in_the_link() -> None:
    assert model_from_query("") is None
    assert model_from_query({"model": "  "}) is None
