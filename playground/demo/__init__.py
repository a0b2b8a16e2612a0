"""Demo mode: the host's controls for a room (`playground --demo FILE`).

`settings` reads and checks the demo file; the service's `Gate` enforces its limits and the
page shows what it asks (`ui/demo/`)."""

from playground.demo.settings import (
    DemoFileError,
    DemoSettings,
    Host,
    Kiosk,
    Limits,
    Show,
    load,
    parse,
    problems_with,
)

__all__ = ["DemoFileError", "DemoSettings", "Host", "Kiosk", "Limits", "Show", "load", "parse",
           "problems_with"]
