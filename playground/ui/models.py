"""Models tab: any model of the backend, with a form made from its schema.

Pick a model (type owner/name[:version] or a replicate.com link, or choose from the backend's
list; on Replicate the list follows what you type through the search API), fill in the form,
Run. Outputs are shown by the version's output schema; the Code box shows the run as code; the
page URL carries the model and the non-file inputs, so a link opens the same setup.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from playground.forms import InputProblem, model_from_query, read_query, share_query
from playground.forms.values import coerce_inputs
from playground.run_code import run_call
from playground.service import ModelCard, ModelProblem, ModelSetup
from playground.ui import widgets
from playground.ui.context import AppContext
from playground.ui.messages import Message
from playground.ui.runner import (
    PROGRESS,
    Run,
    RunPanel,
    cancel_handler,
    details_markdown,
    pill,
    run_panel,
    status_for,
    token_of,
)
from playground.ui.schema_form import (
    CodePanel,
    OutputArea,
    code_panel,
    form_values,
    model_card_markdown,
    output_area,
    render_form,
)

TAB = "models"
PICK_HINT = "Type owner/name or owner/name:version (or paste a replicate.com link), or pick one."
# Opens this tab when the page's link names a model (the tab buttons are Gradio's own).
SELECT_TAB_JS = """() => {
  if (!new URLSearchParams(window.location.search).has("model")) return;
  const find = () => [...document.querySelectorAll("#tabs button[role='tab']")]
      .find((b) => b.textContent.trim() === "Models");
  const tryClick = (n) => { const b = find(); if (b) b.click(); else if (n) setTimeout(
      () => tryClick(n - 1), 100); };
  tryClick(50);
}"""
# The share link: the query the server made, put in the address bar and shown to copy.
SHOW_LINK_JS = """(query) => {
  const url = window.location.origin + window.location.pathname + (query ? "?" + query : "");
  if (query) window.history.replaceState(null, "", url);
  return [query, query ? url : ""];
}"""


def build(ctx: AppContext) -> None:
    widgets.intro("Run **any model** of this backend: pick one, fill in its form (made from "
                  "the model's own schema), and press Run. The link at the bottom opens the "
                  "same setup for someone else.")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            with gr.Row(equal_height=False):
                picker = gr.Dropdown(
                    choices=[], value=None, label="Model", info=PICK_HINT,
                    allow_custom_value=True, filterable=True, elem_id=f"{TAB}-ref", scale=4)
                open_btn = gr.Button("Open", elem_id=f"{TAB}-open", scale=1, min_width=90)
            collection = gr.Dropdown(choices=[], value=None, label="Collections",
                                     info="Replicate's curated lists of models",
                                     visible=False, elem_id=f"{TAB}-collection")
            card = gr.Markdown("", elem_id=f"{TAB}-card")
            setup_state = gr.State(None)
            with gr.Column(elem_id=f"{TAB}-form"):
                @gr.render(inputs=[setup_state])
                def form(state: dict[str, Any] | None) -> None:
                    if not state:
                        gr.Markdown("Pick a model above: its inputs appear here.",
                                    elem_id=f"{TAB}-form-empty")
                        return
                    setup: ModelSetup = state["setup"]
                    components = render_form(setup.form, state.get("values"), TAB)
                    wire(ctx, setup, components, run_btn, cancel_btn, link_btn, panel, outputs,
                         code, query, link)
            run_btn, cancel_btn = widgets.run_buttons(TAB, "Run")
        with gr.Column(scale=3, min_width=360):
            outputs = output_area(TAB)
            panel = run_panel(TAB)
            with gr.Row(equal_height=True):
                link = gr.Textbox(label="Link to this setup", interactive=False,
                                  buttons=["copy"], elem_id=f"{TAB}-link", scale=5,
                                  placeholder="Run the model (or press Make link) to get a "
                                              "link that opens this model with these inputs.")
                link_btn = gr.Button("Make link", elem_id=f"{TAB}-make-link", scale=1,
                                     min_width=110)
            query = gr.Textbox(visible=False, elem_id=f"{TAB}-query")
            code = code_panel(TAB)
    listed = gr.State([])

    head = [setup_state, card, panel.status]
    pick_outputs = [*head, *outputs.components]

    async def open_model(text: Any, token_value: Any) -> dict[Any, Any]:
        return await opened(ctx, text, token_of(token_value), outputs, setup_state, card,
                            panel)

    gr.on([open_btn.click, picker.select, picker.input], open_model,
          inputs=[picker, ctx.token_state], outputs=pick_outputs, api_name="models_open",
          show_progress="minimal", trigger_mode="always_last")

    async def suggest(typed: gr.KeyUpData, token_value: Any, cards: list[ModelCard]) -> Any:
        return await suggestions(ctx, typed.input_value, token_of(token_value), cards)

    picker.key_up(suggest, inputs=[ctx.token_state, listed], outputs=[picker],
                  trigger_mode="always_last", show_progress="hidden", api_visibility="private")

    async def pick_collection(slug: Any, token_value: Any) -> Any:
        if not slug:
            return gr.skip()
        cards = await ctx.service.collection_models(str(slug), token=token_of(token_value))
        return gr.update(choices=_choices(cards), value=None)

    collection.change(pick_collection, inputs=[collection, ctx.token_state], outputs=[picker],
                      show_progress="minimal", api_visibility="private")

    async def on_page_load(token_value: Any, request: gr.Request) -> dict[Any, Any]:
        return await page_loaded(ctx, token_of(token_value), request, picker, listed,
                                 collection, outputs, setup_state, card, panel)

    root = gr.context.Context.root_block
    assert root is not None, "build() runs inside the page's Blocks"
    root.load(on_page_load, inputs=[ctx.token_state],
              outputs=[picker, listed, collection, *pick_outputs], api_visibility="private")
    root.load(None, js=SELECT_TAB_JS)

    query.change(None, inputs=[query], outputs=[query, link], js=SHOW_LINK_JS,
                 api_visibility="private")


async def opened(ctx: AppContext, text: Any, token: str | None, outputs: OutputArea,
                 setup_state: gr.State, card: gr.Markdown, panel: RunPanel,
                 values: dict[str, Any] | None = None, skipped: list[str] | None = None
                 ) -> dict[Any, Any]:
    """Look up the model; the form follows from the new setup state."""
    text = str(text or "").strip()
    if not text:
        return {panel.status: "Type a model name, or pick one from the list."}
    try:
        setup = await ctx.service.find_model(text, token=token)
    except ModelProblem as exc:
        return {setup_state: None, card: "",
                panel.status: status_for(Message("Cannot open this model", str(exc)))}
    except Exception as exc:  # noqa: BLE001 - a dead backend, a bad token: said plainly
        message = Run(ctx, TAB, panel, None, token).message_for(exc)
        return {setup_state: None, card: "", panel.status: status_for(message)}
    c = setup.card
    status = f"Ready: fill in the inputs and press Run. {_required_note(setup)}".strip()
    if skipped:
        status += " " + pill("warn", "Link") + " Left out: " + "; ".join(skipped[:5])
    return {setup_state: {"setup": setup, "values": values or {}},
            card: model_card_markdown(c.ref, c.description, setup.version, c.official,
                                      c.run_count, c.url),
            panel.status: status, **outputs.cleared()}


async def suggestions(ctx: AppContext, typed: str, token: str | None,
                      cards: list[ModelCard]) -> Any:
    """The picker's choices for what has been typed: searched on the backend when it can,
    else the listed models filtered here."""
    typed = (typed or "").strip()
    if len(typed) < 2 or (":" in typed and "/" in typed):
        return gr.skip()
    try:
        found = await ctx.service.search_models(typed, token=token, listed=cards or None)
    except Exception:  # noqa: BLE001 - suggestions are a help, never an error
        return gr.skip()
    return gr.update(choices=_choices(found[:50]))


async def page_loaded(ctx: AppContext, token: str | None, request: gr.Request | None,
                      picker: gr.Dropdown, listed: gr.State, collection: gr.Dropdown,
                      outputs: OutputArea, setup_state: gr.State, card: gr.Markdown,
                      panel: RunPanel) -> dict[Any, Any]:
    """The backend's models in the picker; a link's model opened with its inputs filled."""
    out: dict[Any, Any] = {}
    cards: list[ModelCard] = []
    try:
        cards = await ctx.service.list_models(token=token)
    except Exception:  # noqa: BLE001 - no list (no token yet, say): typing still works
        pass
    out[listed] = cards
    if ctx.backend.kind == "replicate":
        try:
            groups = await ctx.service.collections(token=token)
            out[collection] = gr.update(choices=[(g.name, g.slug) for g in groups],
                                        visible=bool(groups))
        except Exception:  # noqa: BLE001
            pass
    params = dict(request.query_params) if request is not None else {}
    model = model_from_query(params)
    out[picker] = gr.update(choices=_choices(cards), value=model)
    if model:
        opened_now = await opened(ctx, model, token, outputs, setup_state, card, panel)
        state = opened_now.get(setup_state)
        if state:
            shared = read_query(state["setup"].form, params)
            state["values"] = shared.values
            if shared.skipped:
                opened_now[panel.status] = (
                    f"{opened_now[panel.status]} {pill('warn', 'Link')} Left out: "
                    + "; ".join(shared.skipped[:5]))
        out.update(opened_now)
    return out


def wire(ctx: AppContext, setup: ModelSetup, components: list[Any], run_btn: gr.Button,
         cancel_btn: gr.Button, link_btn: gr.Button, panel: RunPanel, outputs: OutputArea,
         code: CodePanel, query: gr.Textbox, link: gr.Textbox) -> None:
    """Run, Cancel and Make link for the form of `setup` (re-wired whenever the form is)."""
    form = setup.form
    upload_root = gr.utils.get_upload_folder()

    # A set of inputs: Gradio hands over one {component: value} dict, whatever the form.
    async def run(data: dict[Any, Any], request: gr.Request,
                  progress: gr.Progress = PROGRESS) -> Any:
        values = form_values(form, [data.get(c) for c in components])
        run = Run(ctx, TAB, panel, request, data.get(ctx.token_state), progress)
        try:
            inputs = coerce_inputs(form, values, file_roots=[upload_root])
        except (InputProblem, ValueError) as exc:
            yield {panel.status: status_for(Message("Check the inputs", str(exc)))}
            return
        yield {**outputs.cleared(), **code.show(None)}

        async def call(token: str | None, on_update: Any) -> Any:
            return await ctx.service.run_model(setup.run_ref, inputs, token=token,
                                               on_update=on_update)

        async for update in run.execute(call):
            yield update
        result = run.result
        if result is None:
            return
        secrets = [f.name for f in form if f.secret]
        snippet = run_call(setup.run_ref, inputs, base_url=ctx.backend.url,
                           output=setup.output.kind, secrets=secrets,
                           output_suffix=result.files[0].suffix if result.files else "")
        shown = outputs.show(setup.output, result.output, list(result.files), result.text)
        yield {**shown, **code.show(snippet),
               panel.status: run.done_status(_summary(result)),
               panel.details: details_markdown(result),
               query: share_query(setup.run_ref, form, values)}

    event = run_btn.click(
        run, inputs={*components, ctx.token_state},
        outputs=[*outputs.components, *code.components, query, *panel.outputs],
        api_visibility="private", show_progress="full",
        show_progress_on=[outputs.text, outputs.image, outputs.gallery, outputs.json],
        concurrency_limit=4, concurrency_id=f"{TAB}-run")
    cancel_btn.click(cancel_handler(ctx, TAB), inputs=[ctx.token_state], outputs=[panel.status],
                     cancels=[event], api_visibility="private")

    def make_link(data: dict[Any, Any]) -> str:
        return share_query(setup.run_ref, form, form_values(form, [data.get(c)
                                                                   for c in components]))

    link_btn.click(make_link, inputs=set(components), outputs=[query],
                   api_visibility="private", show_progress="hidden")


def _choices(cards: list[ModelCard]) -> list[tuple[str, str]]:
    return [(c.label(), c.ref) for c in cards]


def _required_note(setup: ModelSetup) -> str:
    needed = [f.label for f in setup.form if f.required and not f.has_default]
    return f"Required: {', '.join(needed)}." if needed else ""


def _summary(result: Any) -> str:
    files = list(result.files)
    if files:
        return f"{len(files)} output file{'s' if len(files) != 1 else ''}."
    text = result.text
    return f"{len(text):,} characters of output." if text else ""


if __name__ == "__main__":
    from playground.ui.app import main_for

    main_for(TAB)
