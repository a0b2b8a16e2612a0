"""Schemathesis, from PyPI, against the engine with Replicate's OpenAPI document.

A bounded run (a few examples per operation, every phase: examples, coverage, fuzzing,
stateful) must find no server error and no response that breaks the document: its schema,
its content types, its headers. Operations the engine does not implement answer 404
problem+json; they are listed in `playground.engine.routes_not_implemented`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from playground.engine.routes_not_implemented import NOT_IMPLEMENTED

from .conftest import TOKEN
from .models import Boom, Echo, Invert, Noop, Off
from .openapi_check import SPEC_PATH
from .test_bad_input import LogCapture

CHECKS = ("not_a_server_error,response_schema_conformance,content_type_conformance,"
          "response_headers_conformance")
MAX_EXAMPLES = 8  # per operation and phase: about a minute here


def _template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_documented_operation_is_served_or_listed_as_not_implemented(
        make_engine: Any) -> None:
    spec = json.loads(SPEC_PATH.read_text())
    documented = {(m.upper(), _template("/v1" + p)) for p, ops in spec["paths"].items()
                  for m in ops if m in ("get", "post", "put", "patch", "delete")}
    listed = {(m, _template(p)) for m, p in NOT_IMPLEMENTED}
    assert listed <= documented
    engine = make_engine(models=[Echo()])
    with httpx.Client(base_url=engine.url, timeout=10) as c:
        for method, path in sorted(documented):
            r = c.request(method, path.replace("{}", "x"))
            if (method, path) in listed:
                assert r.status_code == 404, (method, path, r.status_code)
                assert r.headers["content-type"] == "application/problem+json"
                assert "not implemented by the local engine" in r.json()["detail"]
            else:  # served: whatever it answers to an `x` id, it is not "no such operation"
                assert r.status_code not in (404, 405) or "not found" in r.json()["detail"], (
                    method, path, r.text)


@pytest.mark.timeout(400)
def test_schemathesis_finds_no_server_error_and_no_spec_violation(
        make_engine: Any, tmp_path: Path) -> None:
    capture = LogCapture()
    try:
        # quick models only: generated inputs must not queue minutes of work
        engine = make_engine(models=[Echo(), Invert(), Boom(), Off(), Noop()], token=TOKEN)
        capture.attach()
        st = Path(sys.executable).with_name("st")
        proc = subprocess.run(
            [str(st), "run", str(SPEC_PATH), "--url", f"{engine.url}/v1",
             "--header", f"Authorization: Bearer {TOKEN}", "--checks", CHECKS,
             "--max-examples", str(MAX_EXAMPLES), "--seed", "8", "--no-color",
             "--request-timeout", "20", "--report-dir", str(tmp_path)],
            capture_output=True, text=True, timeout=380, cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        )
    finally:
        capture.detach()
    summary = proc.stdout[proc.stdout.rfind("SUMMARY"):]
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "Tested: 37" in summary, summary
    assert "Traceback" not in capture.text, capture.text[-3000:]
