"""The Gradio UI: one module per tab, each with `build(ctx)`; `app.build_app` puts them together."""
