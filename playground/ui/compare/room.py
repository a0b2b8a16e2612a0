"""Share for voting: the host's link, the voters' pages and the live tally (`compare.room`).

A voter's page is the Compare tab opened by the link (`?tab=compare&session=<id>`): its panes
show the shared round, blind in an order of its own, and its votes go to the room (once per
browser and output); the host's page polls the tally while the session is shared.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from playground.compare import CompareSession, blind
from playground.compare.ballots import BallotBox
from playground.compare.room import for_voter, tally
from playground.ui.compare.actions import problem
from playground.ui.compare.view import TAB, ComparePage
from playground.ui.context import AppContext
from playground.ui.gradio_compat import current_page
from playground.ui.kit.runner import bind, pill

GONE = ("This shared comparison is not here: it may have been removed, or the link is "
        "incomplete. Ask for the link again.")
# a voter's page opens on what there is to vote on: the panes, under the (long) form
TO_ROOM = (f"() => {{ if (new URLSearchParams(location.search).get('session')) "
           f"document.getElementById('{TAB}-status')?.scrollIntoView({{block: 'start'}}); }}")
LINK_JS = ("(path) => path && path.startsWith('?') ? "
           "location.origin + location.pathname + path : path")


def room_box() -> tuple[gr.Button, gr.Textbox, gr.Markdown, gr.Timer, gr.Textbox]:
    """(Share button, link, tally, its timer, a hidden box: the API's way into a room)."""
    with gr.Row(equal_height=False):
        share = gr.Button("Share for voting", elem_id=f"{TAB}-share", scale=1, min_width=160)
        link = gr.Textbox(label="Link for the room (anyone who can open this page)",
                          interactive=False, buttons=["copy"], elem_id=f"{TAB}-share-link",
                          scale=4, placeholder="Run a round, then press Share for voting.")
    votes = gr.Markdown("", elem_id=f"{TAB}-room-tally")
    asked = gr.Textbox(visible=False, label="room", elem_id=f"{TAB}-room-ask")
    return share, link, votes, gr.Timer(2.0, active=False), asked


def share(ctx: AppContext, ballots: BallotBox, session: CompareSession | None,
          request: gr.Request) -> tuple[Any, Any, str]:
    """(the link's path, the tally's timer, the tally): the latest round shared as it is."""
    if session is None or not session.runs:
        return "", gr.Timer(active=False), problem(
            "Nothing to share yet: run a comparison first.", "Not shared")
    if not ballots.share(session, ctx.owners.of(request)):
        return "", gr.Timer(active=False), problem(
            "This comparison was shared by another browser: only that one can share it "
            "again. Vote on it here, or run a comparison of your own to share.", "Not shared")
    return (f"?tab=compare&session={session.id}", gr.Timer(active=True),
            room_tally(ballots, session))


def room_tally(ballots: BallotBox, session: CompareSession | None) -> str:
    """The room's votes so far, each output named as the host's panes name it now."""
    if session is None or ballots.shared(session.id) is None:
        return gr.skip()
    hidden = blind.hidden(session)
    rows = [(entry, blind.letter(pane) if hidden else session.entries[entry].title)
            for pane, entry in enumerate(blind.order(session))]
    return tally(session, ballots.room_votes(session.id), rows)


def open_room(ctx: AppContext, ballots: BallotBox, page: ComparePage,
              room: str | None) -> dict[Any, Any]:
    """The voter's page: the shared round in the panes, blind, nobody's votes on it."""
    shared = ballots.shared(room)
    if shared is None or not shared.runs:
        return {page.status: f"{pill('err', 'Not found')} {GONE}"}
    session = for_voter(shared)
    runs = {r.entry: r for r in session.round_runs()}
    said = ("You are voting on a shared comparison: the outputs below were made once, for "
            "everyone. Vote on each (one vote per output)")
    said += ", then see which model made which." if blind.hidden(session) else "."
    return {page.state: session, page.room: session.id, page.status: said,
            **page.show_panes(session, runs), page.summary: ""}


def room_from_link(ctx: AppContext, ballots: BallotBox, page: ComparePage,
                   request: gr.Request) -> dict[Any, Any]:
    """On page load: a `?session=` link opens its room; any other page is left as it is."""
    room = request.query_params.get("session") if request is not None else None
    return open_room(ctx, ballots, page, room) if room else page.unchanged()


def wire_room(ctx: AppContext, ballots: BallotBox, page: ComparePage, share_btn: gr.Button,
              link: gr.Textbox, votes: gr.Markdown, timer: gr.Timer,
              asked: gr.Textbox) -> None:
    """Share (`compare_share`), the tally's polling, a link's room on page load, and
    `compare_room_open` (the room's id: what the link says) for API callers."""
    outputs = [page.state, page.room, page.status, page.summary, *page.panes]
    share_btn.click(bind(share, ctx, ballots), inputs=[page.state], outputs=[link, timer, votes],
                    api_name="compare_share").then(
        None, inputs=[link], outputs=[link], js=LINK_JS, api_visibility="private")
    timer.tick(bind(room_tally, ballots), inputs=[page.state], outputs=[votes],
               api_visibility="private", show_progress="hidden")
    # one progress target: it runs on every page load (tests/ui/test_progress_targets.py)
    current_page().load(bind(room_from_link, ctx, ballots, page), outputs=outputs,
                        api_visibility="private", show_progress="hidden",
                        show_progress_on=[page.status]).then(
        None, js=TO_ROOM, api_visibility="private")
    asked.submit(bind(open_room, ctx, ballots, page), inputs=[asked], outputs=outputs,
                 api_name="compare_room_open")
