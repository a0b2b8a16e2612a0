"""Around every request: the owner cookie and whose a request is, and the guards on what a
request may carry into Gradio."""
