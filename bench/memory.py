"""Memory of `playground --backend local`: idle, after one run of each local model, and after
the models have sat unused for the engine's unload time.

    .venv/bin/python bench/memory.py [--unload-after SECONDS] [--port PORT]

Starts `python -m playground --backend local` (the app and its embedded engine, one process, as
a user starts it) in a subprocess with a temporary data directory and
PLAYGROUND_ENGINE_UNLOAD_AFTER set short (default 60 s: longer than the five runs take), then
reads the memory of its process tree from /proc:

- RSS: `VmRSS` of every process in the tree, summed (the headline: what `ps` and `top` show);
  split into anonymous memory (`RssAnon`: heaps, arenas, KV cache) and file-backed pages
  (`RssFile`: the libraries and memory-mapped weights, which the kernel can drop and read
  again, and which other processes mapping the same files share);
- PSS (`/proc/PID/smaps_rollup`): each shared page divided among the processes that map it,
  summed over the tree;
- peak: `VmHWM` (the highest RSS the process reached), summed.

The models run through the engine's own HTTP API (`Prefer: wait`), on the engine the process
started (its loopback port, found from the process's listening sockets), with what the tabs
send offline: a chat turn (the local preset's template, 256 tokens at most), 8 s of speech
(espeak-ng), background removal of a 512 px portrait (MODNet, the default), a 512 px photo
upscaled 2x (the Upscale tab's quick preview) and the same portrait through face-enhance at 2x.
After the unload time has passed it measures once more, then runs one chat turn and prints
what its logs and metrics say about loading. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from skimage import data

ROOT = Path(__file__).resolve().parent.parent
SPOKEN = "Hello world. The weather is nice today. Please open the window and let the air in."
TEMPLATE = ("<|im_start|>system\n{system_prompt}<|im_end|>\n<|im_start|>user\n{prompt}"
            "<|im_end|>\n<|im_start|>assistant\n")


def data_uri(raw: bytes, kind: str) -> str:
    return f"data:{kind};base64,{base64.b64encode(raw).decode()}"


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _kb(path: Path, keys: tuple[str, ...]) -> dict[str, int]:
    found = dict.fromkeys(keys, 0)
    try:
        for line in path.read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in found:
                found[key] = int(rest.split()[0])
    except OSError:
        pass
    return found


def memory(pid: int) -> dict[str, float]:
    """MB summed over the process tree: rss, anon, file, pss, peak; and how many processes."""
    total = {"rss": 0.0, "anon": 0.0, "file": 0.0, "pss": 0.0, "peak": 0.0}
    pids = tree(pid)
    for p in pids:
        status = _kb(Path(f"/proc/{p}/status"), ("VmRSS", "RssAnon", "RssFile", "RssShmem",
                                                 "VmHWM"))
        rollup = _kb(Path(f"/proc/{p}/smaps_rollup"), ("Pss",))
        total["rss"] += status["VmRSS"] / 1024
        total["anon"] += status["RssAnon"] / 1024
        total["file"] += (status["RssFile"] + status["RssShmem"]) / 1024
        total["peak"] += status["VmHWM"] / 1024
        total["pss"] += rollup["Pss"] / 1024
    total["processes"] = len(pids)
    return total


def listening_ports(pid: int) -> set[int]:
    """TCP ports the processes of the tree listen on (from their sockets' inodes)."""
    inodes = set()
    for p in tree(pid):
        fd_dir = Path(f"/proc/{p}/fd")
        try:
            for fd in fd_dir.iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if m := re.fullmatch(r"socket:\[(\d+)\]", target):
                    inodes.add(m[1])
        except OSError:
            continue
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(http: httpx.Client, ref: str, inputs: dict[str, Any]) -> dict[str, Any]:
    pred: dict[str, Any] = http.post(f"/v1/models/{ref}/predictions", json={"input": inputs},
                                     headers={"Prefer": "wait=60"}).json()
    while pred["status"] not in ("succeeded", "failed", "canceled"):
        time.sleep(0.2)
        pred = http.get(f"/v1/predictions/{pred['id']}").json()
    if pred["status"] != "succeeded":
        raise SystemExit(f"{ref}: {pred['status']}: {pred.get('error')}")
    out = pred["output"]
    for url in out.values() if isinstance(out, dict) else [out]:
        if isinstance(url, str) and url.startswith("http"):
            http.get(url).raise_for_status()  # a served file: read it, as the app does
    return pred


def row(label: str, m: dict[str, float]) -> str:
    return (f"| {label:<44} | {m['rss']:>7,.0f} | {m['anon']:>6,.0f} | {m['file']:>6,.0f} "
            f"| {m['pss']:>7,.0f} | {m['peak']:>7,.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--unload-after", type=float, default=60.0,
                        help="PLAYGROUND_ENGINE_UNLOAD_AFTER for the started app (seconds)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--settle", type=float, default=2.0,
                        help="seconds to wait before each reading")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    speech = tmp / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(speech), SPOKEN], check=True, capture_output=True)
    portrait = png(Image.fromarray(data.astronaut()))  # 512x512
    photo = png(Image.fromarray(data.chelsea()).resize((512, 341)))
    inputs = {
        "chat": ("local/smollm2-135m-instruct",
                 {"prompt": "What is the capital of France?", "max_tokens": 256,
                  "temperature": 0.3, "top_p": 0.9, "top_k": 50,
                  "system_prompt": "You are a helpful assistant.", "prompt_template": TEMPLATE}),
        "whisper": ("local/whisper-tiny-en", {"audio": data_uri(speech.read_bytes(),
                                                                "audio/wav")}),
        "rembg": ("local/rembg", {"image": data_uri(portrait, "image/png")}),
        "real-esrgan": ("local/real-esrgan", {"image": data_uri(photo, "image/png"),
                                              "scale": 2}),
        "face-enhance": ("local/face-enhance", {"img": data_uri(portrait, "image/png"),
                                                "scale": 2}),
    }

    port = args.port or free_port()
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(tmp / "data"),
           "PLAYGROUND_ENGINE_UNLOAD_AFTER": f"{args.unload_after:g}",
           "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("REPLICATE_API_TOKEN", None)
    env.pop("REPLICATE_BASE_URL", None)
    cmd = [sys.executable, "-m", "playground", "--backend", "local", "--port", str(port)]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "is ready" in line:
                break
        else:
            raise SystemExit("playground exited before it was ready")
        print(f"ready in {time.monotonic() - started:.1f} s (pid {proc.pid}, unload after "
              f"{args.unload_after:g} s)", flush=True)
        engine_ports = listening_ports(proc.pid) - {port}
        if len(engine_ports) != 1:
            raise SystemExit(f"cannot tell the engine's port among {sorted(engine_ports)}")
        engine = f"http://127.0.0.1:{engine_ports.pop()}"

        rows = []
        time.sleep(args.settle)
        rows.append(row("idle (ready, nothing run)", memory(proc.pid)))
        with httpx.Client(base_url=engine, timeout=600) as http:
            first_done = 0.0
            for name, (ref, values) in inputs.items():
                pred = run(http, ref, values)
                first_done = first_done or time.monotonic()
                time.sleep(args.settle)
                m = memory(proc.pid)
                rows.append(row(f"after {name} (and those above)", m))
                print(f"{name}: predict {pred['metrics'].get('predict_time', 0):.2f} s, "
                      f"load {pred['metrics'].get('load_time', '-')}; RSS {m['rss']:,.0f} MB",
                      flush=True)
            last = time.monotonic()
            if last - first_done >= args.unload_after:
                print(f"WARNING: the runs took {last - first_done:.0f} s, longer than the unload "
                      "time: the first models were unloaded before the last reading", flush=True)
            wait = args.unload_after + 5
            print(f"waiting {wait:g} s for the unload time", flush=True)
            time.sleep(max(0.0, last + wait - time.monotonic()))
            rows.append(row(f"{args.unload_after:g} s after the last run", memory(proc.pid)))
            pred = run(http, *inputs["chat"])
            time.sleep(args.settle)
            rows.append(row("after one more chat turn", memory(proc.pid)))
            loading = [line for line in (pred.get("logs") or "").splitlines()
                       if "load" in line.lower()]
            print("the next chat turn's logs:", loading or "(nothing about loading)")
            print("its metrics:", pred["metrics"])
        print()
        print(f"| {'state':<44} | RSS MB  | anon   | file   | PSS MB  | peak MB |")
        print(f"| {'-' * 44} | ------- | ------ | ------ | ------- | ------- |")
        print("\n".join(rows))
        print(f"\n{int(memory(proc.pid)['processes'])} process(es) in the tree; load average "
              f"{os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
