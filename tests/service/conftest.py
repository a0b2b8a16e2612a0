"""Fixtures for the service tests: servers in threads."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from svc_helpers import serve_app


@pytest.fixture
def serve() -> Iterator[Callable]:
    """serve(app[, host]) -> base URL; every server started in the test stops at its end."""
    stack: list = []

    def start(app, host: str = "127.0.0.1") -> str:
        cm = serve_app(app, host)
        url = cm.__enter__()
        stack.append(cm)
        return url

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)
