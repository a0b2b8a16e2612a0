"""The line under a preset picker agrees with the controls it fills, on the local engine."""

from __future__ import annotations

import pytest
from gradio_client import Client

pytestmark = pytest.mark.models


def test_image_preset_line_does_not_contradict_not_available_offline(client: Client) -> None:
    """Offline no image model runs: the line promises no "512×512 px, 1 step" run of a model
    (the tab says "Not available offline" itself), nor names a model reference."""
    about, *values = client.predict("sdxl", api_name="/image_preset")
    width, height, steps = values[2], values[3], values[6]
    assert (width, height, steps) == (512, 512, 1)
    assert about == ""


def test_upscale_preset_line_matches_the_local_scale(client: Client) -> None:
    """"Real-ESRGAN 4x" is 4x here too (it once read "upscales 2x" under a 4x title): the
    time depends on the picture's size, and a result too large is reduced first, and said."""
    about, scale, _face = client.predict("real-esrgan-4x", api_name="/upscale_preset")
    assert scale == 4
    assert "2x" not in about
    assert "local/" not in about and "`" not in about  # no model references on this line


def test_transcribe_preset_line_says_english_only(client: Client) -> None:
    about, *_ = client.predict("whisper", api_name="/transcribe_preset")
    assert "English only" in about
