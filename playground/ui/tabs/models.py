"""Models tab: any model of the backend, with a form made from its schema.

Pick a model (type owner/name[:version] or a replicate.com link, or choose from the backend's
list; on Replicate the list follows what you type through the search API), fill in the form,
Run. Outputs are shown by the version's output schema; the Code box shows the run as code; the
page URL carries the model and the non-file inputs, so a link opens the same setup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from playground.compare import PriceTable
from playground.forms import InputProblem, coerce_inputs, model_from_query, read_query, share_query
from playground.results import RunResult
from playground.run_code import run_call
from playground.service import (
    Caller,
    ModelCard,
    ModelProblem,
    ModelSetup,
    OnUpdate,
)
from playground.ui.context import AppContext
from playground.ui.gradio_compat import current_page, upload_folder
from playground.ui.kit import widgets
from playground.ui.kit.code_panel import CodePanel
from playground.ui.kit.messages import Message
from playground.ui.kit.runner import (
    PROGRESS,
    Run,
    RunPanel,
    cancel_handler,
    details_markdown,
    pill,
    run_panel,
)
from playground.ui.kit.schema_form import (
    ONE_RENDER_AT_A_TIME,
    OutputArea,
    form_values,
    model_card_markdown,
    output_area,
    render_form,
)
from playground.ui.kit.status_text import status_for
from playground.ui.tabs.model_list import listed, model_list, with_covers
from playground.ui.tabs.model_notes import cost_line, not_here, required_note, summary

TAB = "models"
PICK_HINT = ("Pick one from the list, or type a model's name as Replicate writes it (for "
             "example stability-ai/sdxl), or paste its replicate.com link.")
# Offline (the embedded engine) only its own models run: the example is one of them.
LOCAL_EXAMPLE = "local/smollm2-135m-instruct"
PICK_HINT_LOCAL = (f"Pick one from the list, or type its name (for example {LOCAL_EXAMPLE}). "
                   "These models run on this computer; Replicate's need a Replicate token.")
# Opens this tab when the page's link names a model (the tab buttons are Gradio's own).
SELECT_TAB_JS = """() => {
  if (!new URLSearchParams(window.location.search).has("model")) return;
  const find = () => [...document.querySelectorAll("#tabs button[role='tab']")]
      .find((b) => b.textContent.trim() === "Models");
  const tryClick = (n) => { const b = find(); if (b) b.click(); else if (n) setTimeout(
      () => tryClick(n - 1), 100); };
  tryClick(50);
}"""
# The setup's query, made on the server, goes into the address bar and the link box.
SHOW_LINK_JS = """(query) => {
  const url = window.location.origin + window.location.pathname + (query ? "?" + query : "");
  if (query) window.history.replaceState(null, "", url);
  return [query, query ? url : ""];
}"""


@dataclass
class View:
    """The tab's components that handlers update."""

    picker: gr.Dropdown
    collection: gr.Dropdown
    models: gr.Dataset  # the list with covers
    browse: gr.Accordion  # around it: folded once a model is open, the form comes first
    shown: gr.State  # the cards in that list
    card: gr.Markdown
    setup: gr.State
    listed: gr.State
    outputs: OutputArea
    panel: RunPanel
    code: CodePanel
    query: gr.Textbox
    link: gr.Textbox
    prices: PriceTable
    # offline, under a Replicate model that cannot run here: its local stand-in, one click away
    stand_in: gr.Button | None = None
    stand_in_ref: gr.State | None = None

    @property
    def opened(self) -> list[Any]:
        """What opening a model updates."""
        extra = [self.stand_in, self.stand_in_ref] if self.stand_in is not None else []
        return [self.setup, self.card, self.browse, self.query, self.link, *self.panel.outputs,
                *self.outputs.components, *extra]


def build(ctx: AppContext) -> None:
    widgets.intro("Run **any model**: pick one, fill in its form (made from the model's own "
                  "settings), and press Run. The link under the output opens the same setup "
                  "for someone else.")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            with gr.Row(equal_height=False):
                picker = gr.Dropdown(
                    choices=[], value=None, label="Model",
                    info=PICK_HINT_LOCAL if ctx.backend.is_local else PICK_HINT,
                    allow_custom_value=True, filterable=True, elem_id=f"{TAB}-ref", scale=4)
                open_btn = gr.Button("Open", elem_id=f"{TAB}-open", scale=1, min_width=90)
            collection = gr.Dropdown(choices=[], value=None, label="Collections",
                                     info="Replicate's curated lists of models",
                                     visible=False, elem_id=f"{TAB}-collection")
            with gr.Accordion("Browse models", open=True, elem_id=f"{TAB}-browse") as browse:
                models = model_list(TAB)
            stand_in = gr.Button("Open the model that runs here", visible=False, size="sm",
                                 elem_id=f"{TAB}-stand-in")
            stand_in_ref = gr.State(None)
            card = gr.Markdown("", elem_id=f"{TAB}-card")
            setup = gr.State(None)
            with gr.Column(elem_id=f"{TAB}-form"):
                @gr.render(inputs=[setup], **ONE_RENDER_AT_A_TIME)
                def form(state: dict[str, Any] | None) -> None:
                    if not state:
                        gr.Markdown("Pick a model above: its inputs appear here.",
                                    elem_id=f"{TAB}-form-empty")
                        return
                    chosen: ModelSetup = state["setup"]
                    components = render_form(chosen.form, state.get("values"), TAB)
                    wire_form(ctx, view, chosen, components, run_btn, cancel_btn, link_btn)
            run_btn, cancel_btn = widgets.run_buttons(TAB, "Run")
        with gr.Column(scale=3, min_width=360):
            outputs = output_area(TAB)
            panel = run_panel(TAB)
            with gr.Row(equal_height=True):
                link = gr.Textbox(label="Link to this setup", interactive=False,
                                  buttons=["copy"], elem_id=f"{TAB}-link", scale=5,
                                  placeholder="Open a model to get a link to it; Make link "
                                              "adds the inputs as they are now.")
                link_btn = gr.Button("Make link", elem_id=f"{TAB}-make-link", scale=1,
                                     min_width=110)
            query = gr.Textbox(visible=False, elem_id=f"{TAB}-query")
    assert panel.code is not None  # run_panel makes the Code box
    view = View(picker, collection, models, browse, gr.State([]), card, setup, gr.State([]),
                outputs, panel, panel.code, query, link, PriceTable.load(), stand_in,
                stand_in_ref)

    # Each handler opens the event's token with its request's cookie (`Owners.token`).
    async def open_model(text: Any, token_value: Any, request: gr.Request) -> dict[Any, Any]:
        return await open_setup(ctx, view, text, ctx.owners.token(token_value, request))

    async def open_stand_in(ref: Any, token_value: Any, request: gr.Request) -> dict[Any, Any]:
        opened = await open_setup(ctx, view, ref, ctx.owners.token(token_value, request))
        return {picker: ref, **opened}

    stand_in.click(open_stand_in, inputs=[stand_in_ref, ctx.token_state],
                   outputs=[picker, *view.opened], api_name="models_open_stand_in",
                   api_visibility="private", show_progress="hidden")

    gr.on([open_btn.click, picker.select, picker.input], open_model,
          inputs=[picker, ctx.token_state], outputs=view.opened, api_name="models_open",
          show_progress="minimal", trigger_mode="always_last")

    async def suggest(typed: gr.KeyUpData, token_value: Any, cards: list[ModelCard],
                      request: gr.Request) -> Any:
        return await suggestions(ctx, typed.input_value, ctx.owners.token(token_value, request),
                                 cards)

    # "multiple": with "always_last" Gradio 6 hands every call the first key's input_value.
    picker.key_up(suggest, inputs=[ctx.token_state, view.listed], outputs=[picker],
                  trigger_mode="multiple", show_progress="hidden", api_visibility="private")

    async def pick_collection(slug: Any, token_value: Any, request: gr.Request) -> Any:
        if not slug:
            return gr.skip(), gr.skip(), gr.skip()
        try:
            cards = await ctx.service.catalog.collection_models(
                str(slug), token=ctx.owners.token(token_value, request))
        except Exception:  # noqa: BLE001 - a list that does not load changes nothing
            return gr.skip(), gr.skip(), gr.skip()
        return gr.update(choices=_choices(cards), value=None), listed(cards), cards

    async def show_covers(cards: list[ModelCard]) -> Any:
        return await with_covers(ctx.service.catalog, cards)

    collection.change(pick_collection, inputs=[collection, ctx.token_state],
                      outputs=[picker, models, view.shown], show_progress="minimal",
                      api_visibility="private").then(
        show_covers, inputs=[view.shown], outputs=[models], show_progress="hidden",
        api_visibility="private")

    async def open_listed(index: Any, cards: list[ModelCard], token_value: Any,
                          request: gr.Request) -> Any:
        if not isinstance(index, int) or not 0 <= index < len(cards):
            return {}
        ref = cards[index].ref
        return {picker: gr.update(value=ref),
                **await open_setup(ctx, view, ref, ctx.owners.token(token_value, request))}

    models.click(open_listed, inputs=[models, view.shown, ctx.token_state],
                 outputs=[picker, *view.opened], show_progress="minimal",
                 api_visibility="private")

    async def on_page_load(token_value: Any, request: gr.Request) -> dict[Any, Any]:
        params = dict(request.query_params) if request is not None else {}
        return await page_loaded(ctx, view, ctx.owners.token(token_value, request), params)

    root = current_page()
    # The progress shows on the list only (one target: why in tests/ui/test_progress_targets.py).
    root.load(on_page_load, inputs=[ctx.token_state],
              outputs=[picker, view.listed, models, view.shown, collection, *view.opened],
              show_progress_on=[models], api_visibility="private").then(
        show_covers, inputs=[view.shown], outputs=[models], show_progress="hidden",
        api_visibility="private")
    root.load(None, js=SELECT_TAB_JS)

    async def token_changed(token_value: Any, request: gr.Request) -> dict[Any, Any]:
        return await lists(ctx, view, ctx.owners.token(token_value, request))

    # A token saved (or forgotten) may open the list: Replicate lists nothing without one.
    ctx.token_state.change(token_changed, inputs=[ctx.token_state],
                           outputs=[picker, view.listed, models, view.shown, collection],
                           show_progress="hidden", show_progress_on=[models],
                           api_visibility="private").then(
        show_covers, inputs=[view.shown], outputs=[models], show_progress="hidden",
        api_visibility="private")
    query.change(None, inputs=[query], outputs=[query, link], js=SHOW_LINK_JS,
                 api_visibility="private")


async def open_setup(ctx: AppContext, view: View, text: Any, token: str | None,
                     params: dict[str, str] | None = None) -> dict[Any, Any]:
    """Look the model up; the form follows from the new setup state. `params` (a link's
    query) fill the form."""
    text = str(text or "").strip()
    if not text:
        return {view.panel.status: "Type a model name, or pick one from the list."}
    cleared = {view.card: "", view.link: "", view.panel.details: "", view.panel.logs: "",
               **view.outputs.cleared(), **view.code.show(None)}
    if view.stand_in is not None and view.stand_in_ref is not None:
        cleared.update({view.stand_in: gr.Button(visible=False), view.stand_in_ref: None})
    away = not_here(ctx, text)
    if away is not None:
        message, stand_in = away
        out = {**cleared, view.setup: None, view.panel.status: status_for(message)}
        if stand_in is not None and view.stand_in is not None and view.stand_in_ref is not None:
            out.update({view.stand_in: gr.Button(f"Open {stand_in.title} ({stand_in.ref})",
                                                 visible=True),
                        view.stand_in_ref: stand_in.ref})
        return out
    try:
        chosen = await ctx.service.catalog.find_model(text, token=token)
    except ModelProblem as exc:
        return {**cleared, view.setup: None,
                view.panel.status: status_for(Message("Cannot open this model", str(exc)))}
    except Exception as exc:  # noqa: BLE001 - a dead backend, a bad token: said plainly
        message = Run(ctx, TAB, None, token).message_for(exc)
        return {**cleared, view.setup: None, view.panel.status: status_for(message)}
    status = f"Ready: fill in the inputs and press Run. {required_note(chosen)}".strip()
    values: dict[str, Any] = {}
    if params is not None:
        shared = read_query(chosen.form, params)
        values = shared.values
        if shared.skipped:
            status += f" {pill('warn', 'Link')} Left out: " + "; ".join(shared.skipped[:5])
    c = chosen.card
    return {**cleared, view.setup: {"setup": chosen, "values": values},
            view.browse: gr.Accordion(open=False),
            view.card: model_card_markdown(c.ref, c.description, chosen.version, c.official,
                                           c.run_count, c.url),
            view.query: share_query(chosen.run_ref, chosen.form, values),
            view.panel.status: status}


async def suggestions(ctx: AppContext, typed: str, token: str | None,
                      cards: list[ModelCard]) -> Any:
    """The picker's choices for what has been typed: searched on the backend when it can,
    else the listed models filtered here."""
    typed = (typed or "").strip()
    if len(typed) < 2 or (":" in typed and "/" in typed):
        return gr.skip()
    try:
        found = await ctx.service.catalog.search_models(typed, token=token, listed=cards or None)
    except Exception:  # noqa: BLE001 - suggestions are a help, never an error
        return gr.skip()
    return gr.update(choices=_choices(found[:50]))


async def page_loaded(ctx: AppContext, view: View, token: str | None,
                      params: dict[str, str]) -> dict[Any, Any]:
    """The backend's models in the picker; a link's model opened with its inputs filled."""
    out = await lists(ctx, view, token)
    model = model_from_query(params)
    out[view.picker] = gr.update(choices=out[view.picker]["choices"], value=model)
    if model:
        out.update(await open_setup(ctx, view, model, token, params))
    return out


async def lists(ctx: AppContext, view: View, token: str | None) -> dict[Any, Any]:
    """The backend's models (the picker's choices and the list) and, on Replicate, its
    collections; what does not load (no token yet, say) stays empty: typing still works."""
    cards: list[ModelCard] = []
    out: dict[Any, Any] = {}
    try:
        cards = await ctx.service.catalog.list_models(token=token)
    except Exception:  # noqa: BLE001
        pass
    if ctx.backend.kind == "replicate":
        try:
            groups = await ctx.service.catalog.collections(token=token)
            out[view.collection] = gr.update(choices=[(g.name, g.slug) for g in groups],
                                             visible=bool(groups))
        except Exception:  # noqa: BLE001
            pass
    out[view.listed] = out[view.shown] = cards
    out[view.models] = listed(cards)
    out[view.picker] = gr.update(choices=_choices(cards))
    return out


def wire_form(ctx: AppContext, view: View, chosen: ModelSetup, components: list[Any],
              run_btn: gr.Button, cancel_btn: gr.Button, link_btn: gr.Button) -> None:
    """Run, Cancel and Make link for this form (wired again whenever the form is made)."""
    form, panel, outputs, code = chosen.form, view.panel, view.outputs, view.code
    upload_root = upload_folder()

    def values_of(data: dict[Any, Any]) -> dict[str, Any]:
        return form_values(form, [data.get(c) for c in components])

    # A set of inputs: Gradio hands over one {component: value} dict, whatever the form.
    async def run(data: dict[Any, Any], request: gr.Request,
                  progress: gr.Progress = PROGRESS) -> Any:
        values = values_of(data)
        run = Run(ctx, TAB, request, data.get(ctx.token_state), progress)
        try:
            inputs = coerce_inputs(form, values, file_roots=[upload_root])
        except ValueError as exc:  # InputProblem names the field and the range
            title = "Check the inputs" if isinstance(exc, InputProblem) else "Cannot run"
            yield {panel.status: status_for(Message(title, str(exc)))}
            return
        yield outputs.cleared()
        secrets = [f.name for f in form if f.secret]
        streams = chosen.output.kind == "text_stream"

        async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
            start = ctx.service.stream_model if streams else ctx.service.run_model
            return await start(chosen.run_ref, inputs, token=token, on_update=on_update,
                               caller=caller, secret_inputs=secrets)

        async for step in run.steps(call):
            shown = panel.show(step)
            if step.text is not None and streams:
                shown.update(outputs.streaming(step.text))
            yield shown
        result = run.result
        if result is None:
            return
        files = list(result.files)
        # Better than the generic one: the files by their names, secrets by a variable.
        server = ctx.service.server_for(chosen.run_ref)  # the engine's, for a --cog model
        snippet = run_call(chosen.run_ref, inputs, base_url=server.url,
                           output=chosen.output.kind, secrets=secrets,
                           output_suffix=files[0].suffix if files else "",
                           needs_token=not server.is_local)
        shown_output = result.local_output if result.local_output is not None else result.output
        yield {**outputs.show(chosen.output, shown_output, files, result.text),
               **code.show(snippet), panel.status: run.done_status(summary(result)),
               panel.details: details_markdown(result, cost_line(view.prices, result)),
               view.query: share_query(chosen.run_ref, form, values)}

    event = run_btn.click(
        run, inputs={*components, ctx.token_state},
        outputs=[*outputs.components, view.query, *panel.outputs],
        api_visibility="private", show_progress="full",
        show_progress_on=[outputs.text, outputs.image, outputs.gallery, outputs.json],
        concurrency_limit=ctx.concurrency(4), concurrency_id=f"{TAB}-run",
        # Raw values: our checks name the field and its range (Gradio's would not), and an
        # upload is checked to be one of Gradio's own (file_roots) before it is read.
        preprocess=False)
    cancel_btn.click(cancel_handler(ctx, TAB), inputs=[ctx.token_state], outputs=[panel.status],
                     cancels=[event], api_visibility="private")

    def make_link(data: dict[Any, Any]) -> str:
        return share_query(chosen.run_ref, form, values_of(data))

    link_btn.click(make_link, inputs=set(components), outputs=[view.query],
                   api_visibility="private", show_progress="hidden", preprocess=False)


def _choices(cards: list[ModelCard]) -> list[tuple[str, str]]:
    return [(c.label(), c.ref) for c in cards]
