"""The Compare tab's arena: "Pick two for me" draws two models from the host's pool and runs
them blind on the inputs above (compare.arena, compare.blind); the entries' form is left
as it is, so nothing on the page says which two were drawn until the vote."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import gradio as gr

from playground.compare.arena import pick_two
from playground.compare.forms import FILE_INPUTS, FormProblem, build_session
from playground.ui.compare.actions import problem, run_round
from playground.ui.compare.view import TAB, ComparePage, cannot_run, choices
from playground.ui.context import AppContext
from playground.ui.kit.runner import bind, runs_of


async def arena(ctx: AppContext, page: ComparePage, pool: list[str] | None, task: str,
                prompt: str | None, image: str | None, audio: str | None,
                seed: float | None, shared_inputs: str | None, token: str | None = None,
                request: gr.Request | None = None) -> AsyncIterator[dict[Any, Any]]:
    """Two models drawn from `pool`, run blind on the shared inputs."""
    if why := cannot_run(ctx, task):
        yield {page.status: why}
        return
    try:
        drawn = pick_two(pool or [])
        session = build_session(task, list(drawn), ["", ""], prompt=prompt, seed=seed,
                                shared_json=shared_inputs,
                                file_path=image if FILE_INPUTS.get(task) == "image" else audio,
                                base=ctx.data_dir)
    except (FormProblem, ValueError) as exc:
        yield {page.status: problem(str(exc))}
        return
    session.blind = True
    async for update in run_round(ctx, page, session, ctx.owners.token(token, request),
                                  pinned=False, caller=runs_of(ctx, "compare", request)):
        yield update


def pool_choices(ctx: AppContext, task: str) -> gr.Dropdown:
    """The pool for `task`: every model it offers, all in by default."""
    found = choices(ctx, task)
    return gr.Dropdown(choices=found, value=[v for _, v in found])


def arena_box(ctx: AppContext, first_task: str) -> tuple[gr.Dropdown, gr.Button]:
    """The Arena accordion: (its pool, its button); `wire_arena` wires them to the page."""
    with gr.Accordion("Arena: two models picked for you, shown blind", open=False,
                      elem_id=f"{TAB}-arena-box"):
        found = choices(ctx, first_task)
        pool = gr.Dropdown(found, value=[v for _, v in found], multiselect=True,
                           label="The pool: the models on show",
                           info="Each press draws two of them at random and runs them on the "
                                "inputs below, blind: vote to see which two they were.",
                           elem_id=f"{TAB}-arena-pool")
        go = gr.Button("Pick two for me and compare", variant="primary",
                       elem_id=f"{TAB}-arena-run")
    return pool, go


def wire_arena(ctx: AppContext, page: ComparePage, pool: gr.Dropdown, go: gr.Button,
               to_results: str, reveal: gr.Button) -> None:
    """`compare_arena` in the API; the pool follows the task; Reveal is offered, as for any
    blind round."""
    go.click(bind(arena, ctx, page),
             inputs=[pool, page.task, page.prompt, page.image, page.audio, page.seed,
                     page.shared, ctx.token_state],
             outputs=page.round_outputs, api_name="compare_arena",
             concurrency_limit=ctx.concurrency(2), concurrency_id=f"{TAB}-run")
    go.click(None, outputs=[reveal], js=f"() => {{ ({to_results})(); "
             "return {__type__: 'update', visible: true}; }", api_visibility="private")
    page.task.input(bind(pool_choices, ctx), inputs=[page.task], outputs=[pool],
                    api_visibility="private", show_progress="hidden")
