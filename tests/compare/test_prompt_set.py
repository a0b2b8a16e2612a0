"""A prompt set: parsing (one plain message naming the line and the field), and a 20-input set
on the engine run through the app, stopped, resumed and finished with no finished run repeated
(counted on the engine itself)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from playground.compare.forms import FormProblem
from playground.compare.prompt_set import as_line, from_file, from_lines

CHAT = "local/smollm2-135m-instruct"


def test_lines_csv_and_jsonl_become_inputs() -> None:
    assert from_lines("a cat\n\n  a dog  \n") == [{"prompt": "a cat"}, {"prompt": "a dog"}]
    csv_text = b"prompt,temperature,seed,greedy\nhello,0.5,7,true\n,,,\n\"a, b\",1,,false\n"
    assert from_file("set.csv", csv_text) == [
        {"prompt": "hello", "temperature": 0.5, "seed": 7, "greedy": True},
        {"prompt": "a, b", "temperature": 1, "greedy": False}]
    jsonl = b'{"prompt": "x", "max_tokens": 8}\n\n{"prompt": "y"}\n'
    # a typed line may be a JSON object of inputs (History's "Add to the prompt set")
    assert from_lines('{"prompt": "a", "seed": 3}\n{a cat}\n') == [
        {"prompt": "a", "seed": 3}, {"prompt": "{a cat}"}]
    assert as_line({"prompt": "a\n cat"}) == "a cat"
    assert as_line({"prompt": "x", "seed": 3, "image": {"$file": "a.png"}}) == (
        '{"prompt": "x", "seed": 3}')
    assert as_line({"image": {"$file": "a.png"}}) is None
    assert from_file("set.jsonl", jsonl) == [{"prompt": "x", "max_tokens": 8}, {"prompt": "y"}]


@pytest.mark.parametrize(("name", "data", "said"), [
    ("s.jsonl", b'{"prompt": "x"}\n{"prompt": [1]}\n', "Line 2 of the prompt set, field 'prompt'"),
    ("s.jsonl", b'{"prompt": "x"}\nnot json\n', "Line 2 of the prompt set is not one JSON"),
    ("s.jsonl", b'[1, 2]\n', "Line 1 of the prompt set is not a JSON object"),
    ("s.jsonl", b'{"prompt": NaN}\n', "Line 1 of the prompt set, field 'prompt': not a finite"),
    ("s.csv", b"prompt,bad name\nx,y\n", "Line 1 of the prompt set: 'bad name' is not"),
    ("s.csv", b"prompt\nx,y\n", "Line 2 of the prompt set has 2 values for 1 columns"),
    ("s.csv", b"prompt,prompt\nx,y\n", "names a column twice"),
    ("s.csv", b"\xff\xfe\x00", "not UTF-8"),
    ("s.csv", b"prompt\nx\x00y\n", "NUL"),
    ("s.csv", b"prompt\n" + b"x\n" * 1001, "more than 1,000 inputs"),
    ("s.csv", b"prompt\n", "no inputs"),
])
def test_a_bad_set_is_one_sentence_naming_where(name: str, data: bytes, said: str) -> None:
    with pytest.raises(FormProblem, match=said.replace("(", r"\(").replace("[", r"\[")):
        from_file(name, data)


def _engine_answers(engine_url: str, prompts: set[str]) -> dict[str, int]:
    """How many succeeded predictions the engine made for each of `prompts`."""
    found: dict[str, int] = {}
    url: str | None = f"{engine_url}/v1/predictions"
    while url:
        page = httpx.get(url, timeout=30).json()
        for p in page["results"]:
            prompt = str((p.get("input") or {}).get("prompt", ""))
            if p["status"] == "succeeded" and prompt in prompts:
                found[prompt] = found.get(prompt, 0) + 1
        url = page.get("next")
    return found


@pytest.mark.models
@pytest.mark.timeout(900)
def test_a_20_input_set_is_stopped_resumed_and_finishes_with_no_run_repeated(
        compare_app: str, engine_url: str) -> None:
    client = Client(compare_app, verbose=False)
    prompts = [f"Say the number {n} in words, set {time.time_ns()}" for n in range(20)]
    args = ["\n".join(prompts), None, "chat", CHAT, CHAT, None, None, '{"temperature": 0.1}',
            '{"temperature": 0.9}', "", "", "", None, None, 42, '{"max_tokens": 6}']
    job = client.submit(*args, api_name="/compare_set")
    seen = ""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # until a few of the 40 are done, then Stop
        outputs = job.outputs()
        seen = next((str(o[-1]) for o in reversed(outputs) if o and " of 40 done" in str(o[-1])),
                    "")
        if seen and int(seen.split(" of 40")[0].split()[-1]) >= 4:
            break
        time.sleep(0.2)
    client.predict(api_name="/compare_stop")
    stopped = job.result()[-1]
    assert "Press **Resume the set**" in stopped, stopped
    done_at_stop = int(stopped.split(" of 40")[0].split()[-1])
    assert 4 <= done_at_stop < 40

    finished = client.predict(api_name="/compare_set_resume")[-1]
    assert finished.startswith("40 of 40 done"), finished
    again = client.predict(api_name="/compare_set_resume")[-1]
    assert "Nothing left to run" in again

    answers = _engine_answers(engine_url, set(prompts))
    assert answers == {p: 2 for p in prompts}  # each input once per entry: nothing repeated
    # the saved comparison has one finished run per input and entry
    json_path = client.predict(api_name="/compare_export")[0]
    saved = json.loads(Path(json_path).read_text())
    cells = [(r["round"], r["entry"]) for r in saved["runs"] if r["status"] == "succeeded"]
    assert len(cells) == len(set(cells)) == 40 and len(saved["round_inputs"]) == 20
