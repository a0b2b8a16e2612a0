"""Transcribe on the local engine: a language the English-only stand-in cannot hear is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from .helpers import call

pytestmark = pytest.mark.models


def test_french_on_the_english_only_model_is_said(client: Client, media: dict[str, Path]) -> None:
    out = call(client, "/transcribe", handle_file(media["speech"]), "fr", "plain text", False,
               "whisper")
    assert out.error is None, out.error
    status = out.final[4]
    assert "Done" in status
    assert "The offline model understands English only; French was ignored." in status


def test_english_gets_no_such_note(client: Client, media: dict[str, Path]) -> None:
    out = call(client, "/transcribe", handle_file(media["speech"]), "en", "plain text", False,
               "whisper")
    assert out.error is None, out.error
    assert "Done" in out.final[4] and "ignored" not in out.final[4]
