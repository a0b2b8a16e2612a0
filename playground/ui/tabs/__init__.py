"""The task tabs and the Models tab: one module per tab, each a `build()` and its handlers."""
