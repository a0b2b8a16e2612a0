# The two commands a fresh machine needs (see README):
#   make start   set up, then start the playground (the embedded engine when no token is set)
#   make test    set up with the test tools, then run every test, browser tests included
.PHONY: start test setup lint

BACKEND ?= auto
PYTEST_ARGS ?=

start:
	scripts/setup.sh
	.venv/bin/playground --backend $(BACKEND)

test:
	scripts/setup.sh --test
	GRADIO_ANALYTICS_ENABLED=False .venv/bin/python -m pytest $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check playground tests bench
