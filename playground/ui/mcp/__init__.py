"""`playground --mcp`: the page's tools for agents, served by Gradio's MCP server beside the
page (streamable HTTP at `/gradio_api/mcp/`).

`add_tools(ctx)` adds one `gr.api` event per tool to the page being built; `TOOLS` names them.
Gradio would make every named event of the page a tool; `ui/gradio_compat.only_mcp_tools`
keeps exactly these (no public switch chooses them in Gradio 6.31).
"""

from __future__ import annotations

from playground.ui.context import AppContext
from playground.ui.mcp.models import model_tools
from playground.ui.mcp.tasks import task_tools

API_PREFIX = "mcp_"  # the events' API names: the page's own (`/upscale`, …) are the tabs'
TOOLS = ("generate_image", "chat", "transcribe", "upscale", "remove_background",
         "restore_faces", "search_models", "describe_model", "run_model", "compare")
TOOL_ENDPOINTS = {name: "/" + API_PREFIX + name for name in TOOLS}  # tool -> its event


def add_tools(ctx: AppContext) -> dict[str, str]:
    """Adds the tools to the Blocks being built; {tool name: its event's endpoint}."""
    import gradio as gr

    endpoints = {}
    for fn in (*task_tools(ctx), *model_tools(ctx)):
        endpoint = TOOL_ENDPOINTS[fn.__name__]  # the tool's name is its function's
        gr.api(fn, api_name=endpoint.lstrip("/"), concurrency_limit=ctx.concurrency(4),
               concurrency_id="mcp-tools")
        endpoints[fn.__name__] = endpoint
    return endpoints
