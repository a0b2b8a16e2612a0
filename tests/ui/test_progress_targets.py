"""The page keeps a loading status for each progress target of every event that has run, and
revisits them all at every status of any later event (Gradio's Blocks.svelte: one search of the
page's tree per target), a chat answer's included. Events that run on every page load, or on
every run of a tab, keep one target each, so that cost stays small for the page's whole life
(docs/benchmarks.md, "First chat token through the app")."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import RunningApp


def _targets(dep: dict[str, Any]) -> list[int]:
    return dep.get("show_progress_on") or dep["outputs"]


def _with_followers(config: dict[str, Any], starts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found, todo = {d["id"]: d for d in starts}, list(starts)
    while todo:
        step = todo.pop()
        for dep in config["dependencies"]:
            if dep["trigger_after"] == step["id"] and dep["id"] not in found:
                found[dep["id"]] = dep
                todo.append(dep)
    return list(found.values())


def test_page_load_events_keep_one_progress_target_each(app: RunningApp) -> None:
    config = app.demo.get_config_file()
    on_load = [d for d in config["dependencies"] if any(t[1] == "load" for t in d["targets"])]
    assert len(on_load) >= 5
    wide = {(d["id"], d["api_name"]): len(_targets(d))
            for d in _with_followers(config, on_load) if d["backend_fn"] and len(_targets(d)) > 1}
    assert not wide, wide


def test_code_panels_and_chat_answers_keep_one_progress_target(app: RunningApp) -> None:
    config = app.demo.get_config_file()
    by_id = {c["id"]: c for c in config["components"]}
    code_panels = [d for d in config["dependencies"]
                   if d["outputs"] and all(by_id[o]["type"] == "code" for o in d["outputs"])]
    answers = [d for d in config["dependencies"] if str(d["api_name"]).startswith("_submit_fn")]
    assert len(code_panels) >= 7 and len(answers) == 3
    assert all(len(_targets(d)) == 1 for d in code_panels + answers)


def test_the_forms_render_one_at_a_time(app: RunningApp) -> None:
    """Two @gr.render of one session at once change Gradio's block table while the other
    walks it ("dictionary changed size during iteration", gradio-app/gradio#9991): the Models
    form and Compare's entry forms share one queue slot."""
    config = app.demo.get_config_file()
    renders = [d["id"] for d in config["dependencies"] if d.get("render_id") is not None]
    assert len(renders) >= 3  # the Models form and Compare's entries
    slots = {(app.demo.fns[i].concurrency_id, app.demo.fns[i].concurrency_limit)
             for i in renders}
    assert slots == {("schema-form-render", 1)}
