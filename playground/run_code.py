"""A run as code: the same request in four forms a developer can paste.

```python
call = run_call("local/rembg", {"image": Path("/tmp/gradio/…/photo.png"), "model": "modnet"},
                base_url="http://127.0.0.1:8008", output="file", output_suffix=".png")
print(snippets(call)["cURL"])
```

Python and JavaScript with Replicate's official clients, cURL, and Python with this project's
`Service`. Uploaded files appear as a path placeholder (their file name), never inlined; the
token is always `$REPLICATE_API_TOKEN` (read from the environment), and secret inputs are read
from an environment variable too, so nothing secret is ever shown. Each value is written out
by `_snippet_values`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground._snippet_values import (
    EXTENSIONS,
    FileInput,
    SecretInput,
    heredoc_json,
    js_value,
    py_value,
    shell_quote,
)
from playground.forms.outputs import OutputKind

CLOUD = "https://api.replicate.com"
LANGUAGES = ("Python", "JavaScript", "cURL", "Python (playground)")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class RunCall:
    ref: str  # "owner/name" (an official model) or "owner/name:version"
    inputs: dict[str, Any]  # JSON values, FileInput and SecretInput
    base_url: str = CLOUD
    output: OutputKind = "json"
    output_suffix: str = ""  # ".png": what the snippets name the saved file
    files: list[str] = field(default_factory=list)  # the placeholder paths, in order
    # False for the engine on this computer: it takes no token, and the code says none
    needs_token: bool = True

    @property
    def on_cloud(self) -> bool:
        return self.base_url.rstrip("/") == CLOUD

    @property
    def files_may_be_urls(self) -> bool:
        """A server on plain http hands big output files back as `http:` URLs, which both
        official clients leave as text (they wrap only `https:` and `data:`)."""
        return self.base_url.startswith("http:") and self.output in ("file", "files")

    @property
    def version(self) -> str | None:
        return self.ref.split(":", 1)[1] if ":" in self.ref else None

    @property
    def model(self) -> str:
        return self.ref.split(":", 1)[0]


def run_call(ref: str, inputs: Mapping[str, Any], *, base_url: str = CLOUD,
             output: OutputKind = "json", output_suffix: str = "",
             secrets: Iterable[str] = (), needs_token: bool = True) -> RunCall:
    """A call from the inputs as a form or a tab had them: `Path`s (or data URIs, or Files API
    URLs of `base_url`) become placeholders, the named `secrets` environment variables."""
    secret_names = set(secrets)
    shown: dict[str, Any] = {}
    files: list[str] = []
    base = base_url.rstrip("/")
    for name, value in inputs.items():
        if value is None:
            continue
        if name in secret_names:
            shown[name] = SecretInput(_env_name(name))
            continue
        shown[name] = _placeholders(name, value, base, files)
    suffix = output_suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", output_suffix or "") else ""
    return RunCall(ref=ref, inputs=shown, base_url=base, output=output,
                   output_suffix=suffix.lower(), files=files, needs_token=needs_token)


def snippets(call: RunCall) -> dict[str, str]:
    """{"Python": ..., "JavaScript": ..., "cURL": ..., "Python (playground)": ...}"""
    return {"Python": python_snippet(call), "JavaScript": javascript_snippet(call),
            "cURL": curl_snippet(call), "Python (playground)": playground_snippet(call)}


# --- Python, official client ------------------------------------------------------------------

def python_snippet(call: RunCall) -> str:
    lines = [line for line, used in (("import json", call.output == "json"),
                                     ("import os", _has_secret(call)),
                                     ("import urllib.request", call.files_may_be_urls)) if used]
    lines += [*([""] if lines else []), "import replicate"]
    lines.append("")
    if call.on_cloud:
        runner = "replicate"
        lines.append("# The client reads your token from REPLICATE_API_TOKEN.")
    else:
        runner = "client"
        lines += ["# The client reads your token from REPLICATE_API_TOKEN." if call.needs_token
                  else "# The engine on this computer: no token needed.",
                  f"client = replicate.Client(base_url={py_value(call.base_url)})"]
    lines.append(f"input = {py_value(call.inputs, 0, 'python')}")
    lines.append("")
    ref = py_value(call.ref)
    suffix = call.output_suffix or ".out"
    if call.output == "text_stream":
        lines += [f"for event in {runner}.stream({ref}, input=input):",
                  '    print(event, end="")', "print()"]
    elif call.output == "file":
        lines += [f"output = {runner}.run({ref}, input=input)",
                  *_url_note(call, "#"),
                  f'with open("output{suffix}", "wb") as f:',
                  f"    f.write({_py_read(call, 'output')})"]
    elif call.output == "files":
        lines += [f"output = {runner}.run({ref}, input=input)",
                  *_url_note(call, "#"),
                  "for i, item in enumerate(output):",
                  f'    with open(f"output_{{i}}{suffix}", "wb") as f:',
                  f"        f.write({_py_read(call, 'item')})"]
    elif call.output == "text":
        lines += [f"output = {runner}.run({ref}, input=input)",
                  'print("".join(output) if isinstance(output, list) else output)']
    else:
        lines += [f"output = {runner}.run({ref}, input=input, use_file_output=False)",
                  "print(json.dumps(output, indent=2))"]
    return _files_note(call, "#") + "\n".join(lines) + "\n"


def _url_note(call: RunCall, comment: str) -> list[str]:
    return [f"{comment} This server hands big files back as a plain http URL: fetch those."
            ] if call.files_may_be_urls else []


def _py_read(call: RunCall, name: str) -> str:
    if not call.files_may_be_urls:
        return f"{name}.read()"
    return (f'{name}.read() if hasattr({name}, "read") else '
            f"urllib.request.urlopen({name}).read()")


def _js_file(call: RunCall, name: str) -> str:
    if not call.files_may_be_urls:
        return name
    return (f'typeof {name} === "string" ? '
            f"Buffer.from(await (await fetch({name})).arrayBuffer()) : {name}")


# --- JavaScript, official client --------------------------------------------------------------

def javascript_snippet(call: RunCall) -> str:
    needs_fs = bool(call.files) or call.output in ("file", "files")
    options = ["auth: process.env.REPLICATE_API_TOKEN"] if call.needs_token else []
    if not call.on_cloud:
        options.append(f"baseUrl: {json.dumps(call.base_url + '/v1')}")
    if call.output == "json":
        options.append("useFileOutput: false")
    lines = ['import Replicate from "replicate";']
    if needs_fs:
        fs = [n for n, used in (("readFile", bool(call.files)),
                                ("writeFile", call.output in ("file", "files"))) if used]
        lines.append(f'import {{ {", ".join(fs)} }} from "node:fs/promises";')
    made = ("new Replicate()" if not options else
            f"new Replicate({{ {options[0]} }})" if len(options) == 1 else
            "new Replicate({\n" + "".join(f"  {o},\n" for o in options) + "})")
    lines += ["", f"const replicate = {made};",
              f"const input = {js_value(call.inputs, 0)};", ""]
    ref = json.dumps(call.ref)
    suffix = call.output_suffix or ".out"
    if call.output == "text_stream":
        lines += [f"for await (const event of replicate.stream({ref}, {{ input }})) {{",
                  "  process.stdout.write(`${event}`);", "}", 'process.stdout.write("\\n");']
    elif call.output == "file":
        lines += [f"const output = await replicate.run({ref}, {{ input }});",
                  *_url_note(call, "//"),
                  f'await writeFile("output{suffix}", {_js_file(call, "output")});']
    elif call.output == "files":
        lines += [f"const output = await replicate.run({ref}, {{ input }});",
                  *_url_note(call, "//"),
                  "for (const [i, item] of output.entries()) {",
                  f"  await writeFile(`output_${{i}}{suffix}`, {_js_file(call, 'item')});", "}"]
    elif call.output == "text":
        lines += [f"const output = await replicate.run({ref}, {{ input }});",
                  'console.log(Array.isArray(output) ? output.join("") : output);']
    else:
        lines += [f"const output = await replicate.run({ref}, {{ input }});",
                  "console.log(JSON.stringify(output, null, 2));"]
    return _files_note(call, "//") + "\n".join(lines) + "\n"


# --- cURL -------------------------------------------------------------------------------------

def curl_snippet(call: RunCall) -> str:
    """One request that waits for the result (`Prefer: wait`). The body is a here-document, so
    a file is read into a data URI at run time and no argument grows past the shell's limit."""
    body: dict[str, Any] = {"input": call.inputs}
    if call.version:
        body = {"version": call.version, **body}
        url = f"{call.base_url}/v1/predictions"
    else:
        url = f"{call.base_url}/v1/models/{call.model}/predictions"
    text = heredoc_json(body)
    auth = '  -H "Authorization: Bearer $REPLICATE_API_TOKEN" \\\n' if call.needs_token else ""
    return _files_note(call, "#") + (f"curl -s -X POST {shell_quote(url)} \\\n"
            f"{auth}"
            '  -H "Content-Type: application/json" \\\n'
            '  -H "Prefer: wait" \\\n'
            f"  --data-binary @- <<JSON\n{text}\nJSON\n")


# --- Python, this project's Service -----------------------------------------------------------

def playground_snippet(call: RunCall) -> str:
    inputs = py_value(call.inputs, 2, "playground")
    imports = ["import asyncio", *(["import os"] if call.needs_token else [])]
    if call.files:
        imports.append("from pathlib import Path")
    lines = [*imports, "", "from playground.service import Service", "", "",
             "async def main() -> None:",
             f"    service = Service({py_value(call.base_url)}"
             + (', token=os.environ.get("REPLICATE_API_TOKEN"))' if call.needs_token else ")"),
             "    try:",
             f"        result = await service.run_model({py_value(call.ref)}, {inputs})",
             "    finally:",
             "        await service.aclose()",
             "    print(result.summary())"]
    if call.output in ("text_stream", "text"):
        lines.append("    print(result.text)")
    elif call.output in ("file", "files"):
        lines.append("    print(*result.files, sep=\"\\n\")  # saved locally")
    else:
        lines.append("    print(result.local_output)")
    lines += ["", "", "asyncio.run(main())"]
    return _files_note(call, "#") + "\n".join(lines) + "\n"


# --- inputs as the snippets show them ---------------------------------------------------------

def _placeholders(name: str, value: Any, base: str, files: list[str]) -> Any:
    if isinstance(value, Path | FileInput):
        return _file(str(value.path if isinstance(value, FileInput) else value), name, files)
    if isinstance(value, str):
        if value.startswith("data:"):
            mime = value[5:].split(";", 1)[0].split(",", 1)[0].lower()
            return _file(f"{name}{EXTENSIONS.get(mime, '')}", name, files)
        if value.startswith(f"{base}/v1/files/"):
            return _file(name, name, files)
        return value
    if isinstance(value, list | tuple):
        return [_placeholders(f"{name}_{i}", item, base, files) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {str(k): _placeholders(str(k), v, base, files) for k, v in value.items()}
    return value


def _file(path: str, name: str, files: list[str]) -> FileInput:
    """The uploaded file's own name when it is a plain one, else one made from the input's."""
    base = Path(path.replace("\\", "/")).name
    safe = _SAFE_NAME.sub("_", base).strip("._") or _SAFE_NAME.sub("_", name).strip("._")
    safe = (safe or "input")[:80]
    if safe in files:  # two uploads of the same name: keep them apart
        stem, dot, ext = safe.partition(".")
        safe = f"{stem}_{len(files)}{dot}{ext}"
    files.append(safe)
    return FileInput(safe)


def _env_name(name: str) -> str:
    return _SAFE_NAME.sub("_", name).strip("_").upper() or "SECRET"


def _has_secret(call: RunCall) -> bool:
    return any(isinstance(v, SecretInput) for v in call.inputs.values())


def _files_note(call: RunCall, comment: str) -> str:
    if not call.files:
        return ""
    many = len(call.files) > 1
    return (f"{comment} Your file{'s' if many else ''} ({', '.join(call.files)}) "
            f"{'are' if many else 'is'} read from the current folder.\n")


_VERSION_ID = re.compile(r"[0-9a-f]{64}")


def call_for_run(model: str | None, version: str | None, inputs: Mapping[str, Any] | None,
                 output: Any, files: Iterable[Path] = (), *, base_url: str = CLOUD,
                 streamed: bool = False, secrets: Iterable[str] = (),
                 needs_token: bool = True) -> RunCall | None:
    """The call that a finished run made, from what its result kept (model, version, the
    input as sent, the output): for the Code box of any tab. None when the model is unknown."""
    if not model or "/" not in model:
        return None
    ref = f"{model}:{version}" if version and _VERSION_ID.fullmatch(version) else model
    saved = list(files)
    return run_call(ref, dict(inputs or {}), base_url=base_url,
                    output="text_stream" if streamed else guess_output_kind(output),
                    output_suffix=saved[0].suffix if saved else "", secrets=secrets,
                    needs_token=needs_token)


def guess_output_kind(output: Any) -> OutputKind:
    """The output view a value looks like when there is no schema at hand (files as URLs, or
    as the local Paths a saved run keeps)."""
    if isinstance(output, Path):
        return "file"
    if isinstance(output, list) and output and all(isinstance(v, Path) for v in output):
        return "files"
    if isinstance(output, str):
        return "file" if _is_file_url(output) else "text"
    if isinstance(output, list) and output and all(isinstance(v, str) for v in output):
        return "files" if all(_is_file_url(v) for v in output) else "text"
    return "json"


def _is_file_url(value: str) -> bool:
    return value.startswith(("https://", "http://", "data:")) and " " not in value
