"""The run as code: four snippets, files as placeholders, the token only from the environment."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from playground.run_code import LANGUAGES, FileInput, SecretInput, run_call, snippets

DATA_URI = "data:image/png;base64," + "A" * 5000


def test_four_forms_with_the_ref_and_inputs() -> None:
    call = run_call("stability-ai/sdxl:39ed52f2", {"prompt": "a fox", "num_outputs": 2,
                                                    "apply_watermark": False, "seed": None},
                    output="files", output_suffix=".png")
    code = snippets(call)
    assert tuple(code) == LANGUAGES
    py = code["Python"]
    assert 'replicate.run("stability-ai/sdxl:39ed52f2", input=input)' in py
    assert '"apply_watermark": False' in py and '"num_outputs": 2' in py
    assert "seed" not in py  # not sent, not shown
    assert 'open(f"output_{i}.png", "wb")' in py
    assert "apply_watermark: false" in code["JavaScript"]
    curl = code["cURL"]
    assert "https://api.replicate.com/v1/predictions" in curl and '"version": "39ed52f2"' in curl
    assert 'service.run_model("stability-ai/sdxl:39ed52f2"' in code["Python (playground)"]
    for name in ("Python", "Python (playground)"):
        ast.parse(code[name])  # valid Python


def test_an_official_model_uses_the_models_endpoint() -> None:
    curl = snippets(run_call("meta/meta-llama-3.1-405b-instruct", {"prompt": "hi"},
                             output="text_stream"))["cURL"]
    assert "/v1/models/meta/meta-llama-3.1-405b-instruct/predictions" in curl
    assert '"version"' not in curl


def test_files_are_placeholders_never_inlined(tmp_path: Path) -> None:
    upload = tmp_path / "gradio" / "9f2c" / "my photo (1).PNG"
    call = run_call("local/rembg", {"image": upload, "mask": DATA_URI,
                                    "ref": "http://127.0.0.1:8008/v1/files/abc123"},
                    base_url="http://127.0.0.1:8008", output="file", output_suffix=".png")
    assert call.inputs["image"] == FileInput("my_photo_1_.PNG")
    assert call.inputs["mask"] == FileInput("mask.png")
    assert call.inputs["ref"] == FileInput("ref")
    for language, code in snippets(call).items():
        assert "AAAA" not in code and str(tmp_path) not in code, language
        assert "my_photo_1_.PNG" in code, language
    assert "$(base64 < my_photo_1_.PNG | tr -d '\\n')" in snippets(call)["cURL"]


def test_the_token_only_ever_comes_from_the_environment() -> None:
    call = run_call("a/b", {"prompt": "hi", "api_key": "r8_SECRET"}, secrets=["api_key"],
                    base_url="http://10.0.0.2:5000", output="text")
    assert call.inputs["api_key"] == SecretInput("API_KEY")
    code = snippets(call)
    for language, text in code.items():
        assert "r8_SECRET" not in text, language
        assert "REPLICATE_API_TOKEN" in text, language
    assert 'os.environ["API_KEY"]' in code["Python"]
    assert 'process.env["API_KEY"]' in code["JavaScript"]
    assert '"${API_KEY}"' in code["cURL"]
    assert 'replicate.Client(base_url="http://10.0.0.2:5000")' in code["Python"]
    assert 'baseUrl: "http://10.0.0.2:5000/v1"' in code["JavaScript"]


def test_hostile_strings_stay_data(tmp_path: Path) -> None:
    nasty = 'x"; rm -rf ~; echo "$HOME `id` \\ \' \n JSON\n'
    call = run_call("a/b", {"prompt": nasty}, output="text")
    code = snippets(call)
    tree = ast.parse(code["Python"])
    literal = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    assert nasty in literal
    if shutil.which("bash"):  # the here-document gives back exactly the JSON we meant
        body = code["cURL"].split("<<JSON\n", 1)[1]
        script = f"cat <<JSON\n{body}"
        out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
        import json
        assert json.loads(out.stdout)["input"]["prompt"] == nasty


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
def test_javascript_parses(tmp_path: Path) -> None:
    for output in ("text_stream", "file", "files", "text", "json"):
        call = run_call("a/b:v1", {"image": tmp_path / "x.png", "n": 1, "weird-key": [1, "a"]},
                        output=output, output_suffix=".png")  # type: ignore[arg-type]
        path = tmp_path / f"{output}.mjs"
        path.write_text(snippets(call)["JavaScript"])
        subprocess.run(["node", "--check", str(path)], check=True, capture_output=True)


def test_a_tab_run_as_code_from_its_result(tmp_path: Path) -> None:
    from playground.run_code import call_for_run

    version = "9" * 64
    call = call_for_run("nightmareai/real-esrgan", version,
                        {"image": "data:image/png;base64,iVBOR…(110 kB)", "scale": 4},
                        "https://replicate.delivery/x/out.png", [tmp_path / "abc.png"])
    assert call is not None
    assert call.ref == f"nightmareai/real-esrgan:{version}"
    assert call.inputs == {"image": FileInput("image.png"), "scale": 4}
    assert (call.output, call.output_suffix) == ("file", ".png")
    chat = call_for_run("meta/meta-llama-3.1-405b-instruct", "hidden", {"prompt": "hi"},
                        ["Hel", "lo"], streamed=True)
    assert chat is not None and chat.ref == "meta/meta-llama-3.1-405b-instruct"
    assert chat.output == "text_stream"
    assert call_for_run(None, None, {}, None) is None
    whisper = call_for_run("openai/whisper", None, {}, {"transcription": "hi"})
    assert whisper is not None and whisper.output == "json"


def test_an_input_cannot_forge_a_file_or_secret_mark() -> None:
    """The here-document splices files and secrets in by a mark; text an input already holds,
    however it looks (the old marks were `\\x00<n>\\x00`), stays that text."""
    forged = "\x000\x00 and \x001\x00"
    call = run_call("a/b", {"image": Path("photo.png"), "api_key": "r8_SECRET",
                            "prompt": forged}, secrets=["api_key"], output="text")
    curl = snippets(call)["cURL"]
    assert curl.count("$(base64 < photo.png") == 1 and curl.count("${API_KEY}") == 1
    if shutil.which("bash"):  # the prompt comes back as it was, the secret is not in it
        body = curl.split("<<JSON\n", 1)[1]
        script = f"cat <<JSON\n{body}"
        out = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                             check=True, env={"API_KEY": "s3cret", "PATH": "/usr/bin:/bin"})
        import json
        sent = json.loads(out.stdout)["input"]
        assert sent["prompt"] == forged and sent["api_key"] == "s3cret"
