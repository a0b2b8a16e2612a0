"""The Compare tab's leaderboard: blind votes of this comparison, or of every comparison of its
task on this server (`compare.ballots`), as a table, a win-rate matrix and two files."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from playground.compare import CompareSession
from playground.compare.ballots import BallotBox
from playground.compare.leaderboard import Leaderboard, battles_of, leaderboard, write
from playground.compare.strict import SESSION_ID
from playground.ui.context import AppContext
from playground.ui.kit.runner import bind, pill

SCOPES = [("This comparison", "session"), ("Every comparison of this task on this server",
                                           "server")]
TAB = "compare"


def _cell(text: str) -> str:
    return html.escape(text).replace("|", "&#124;")


def board_markdown(board: Leaderboard, where: str) -> str:
    if not board.rows:
        return (f"No blind votes yet {where}. Turn on **Blind**, run a round and vote on its "
                "outputs: only votes cast before the names show count.")
    lines = [f"**{board.votes} blind battle{'s' * (board.votes != 1)}** {where}.", "",
             "| rank | model | rating (95 % interval) | wins | losses | ties | battles |",
             "|---|---|---|---|---|---|---|"]
    for n, r in enumerate(board.rows, 1):
        lines.append(f"| {n} | {_cell(r.model)} | {r.rating:.0f} ({r.low:.0f} to {r.high:.0f}) "
                     f"| {r.wins} | {r.losses} | {r.ties} | {r.battles} |")
    letters = [f"{n}" for n in range(1, len(board.models) + 1)]
    lines += ["", "How often the model of each row beat the model of each column (by rank; a "
              "tie counts half; \"-\": they never met):", "",
              "| beat → | " + " | ".join(letters) + " |",
              "|---|" + "---|" * len(letters)]
    for n, rates in enumerate(board.win_rate, 1):
        cells = ["-" if r is None else f"{r:.0%}" for r in rates]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\n<small>{html.escape(board.method)}</small>"


def show_board(ctx: AppContext, ballots: BallotBox, scope: str, task: str,
               session: CompareSession | None) -> tuple[str, Any, Any]:
    """(the table, its CSV, its JSON) for `scope`: "session" or "server"."""
    if scope == "server":
        task = session.task if session is not None else str(task or "")
        battles = ballots.battles(task)
        where, stem = "in every comparison of this task on this server", f"server-{task}"
    else:
        if session is None or not session.votes:
            return (board_markdown(leaderboard([]), "in this comparison"), None, None)
        battles = battles_of(session)
        where = "in this comparison"
        stem = f"session-{session.id if SESSION_ID.fullmatch(session.id) else 'loaded'}"
    if not SESSION_ID.fullmatch(stem):  # a task name the app does not know
        return (f"{pill('err', 'Not shown')} No such task.", None, None)
    board = leaderboard(battles)
    if not board.rows:
        return board_markdown(board, where), None, None
    paths = write(board, ctx.data_dir / "compare" / "exports", stem)
    return board_markdown(board, where), str(paths[0]), str(paths[1])


def board_box(ctx: AppContext, ballots: BallotBox, task: gr.Radio, state: gr.State) -> None:
    """The Leaderboard accordion and its events (`compare_leaderboard` in the API)."""
    with gr.Accordion("Leaderboard (blind votes)", open=False, elem_id=f"{TAB}-board-box") \
            as box:
        scope = gr.Radio(SCOPES, value="session", label="Count the votes of",
                         elem_id=f"{TAB}-board-scope")
        table = gr.Markdown("", elem_id=f"{TAB}-board")
        with gr.Row():
            csv_file = gr.File(label="Leaderboard (CSV)", interactive=False,
                               elem_id=f"{TAB}-board-csv")
            json_file = gr.File(label="Leaderboard (JSON)", interactive=False,
                                elem_id=f"{TAB}-board-json")
        update = gr.Button("Update", elem_id=f"{TAB}-board-update")

    shown = bind(show_board, ctx, ballots)
    update.click(shown, inputs=[scope, task, state], outputs=[table, csv_file, json_file],
                 api_name="compare_leaderboard")
    gr.on([scope.input, box.expand], shown, inputs=[scope, task, state],
          outputs=[table, csv_file, json_file], api_visibility="private",
          show_progress="hidden")
