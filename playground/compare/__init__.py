"""Model comparison sessions: side by side, same seed, votes, export and replay (no gradio)."""

from .grid import Axis, compose_grid, parse_values, plan_grid, run_grid
from .prices import Estimate, PriceTable, cost_note, cost_text, format_cost, is_local
from .report import export_html, export_json, load_json, missing_files, render_html
from .runner import Backend, PaneUpdate, Runner
from .session import CompareSession, Entry, GridRecord, Run, Vote

__all__ = [
    "Axis",
    "Backend",
    "CompareSession",
    "Entry",
    "Estimate",
    "GridRecord",
    "PaneUpdate",
    "PriceTable",
    "Run",
    "Runner",
    "Vote",
    "compose_grid",
    "cost_note",
    "cost_text",
    "export_html",
    "export_json",
    "format_cost",
    "is_local",
    "load_json",
    "missing_files",
    "parse_values",
    "plan_grid",
    "render_html",
    "run_grid",
]
