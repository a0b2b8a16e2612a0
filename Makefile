# The two commands a fresh machine needs (see README):
#   make start   set up, then start the playground (the embedded engine when no token is set)
#   make test    set up with the test tools, then run every test, browser tests included
.PHONY: start test setup lint lock test-gradio-newest

BACKEND ?= auto
PORT ?=
COG ?=
PYTEST_ARGS ?=

# COG="DIR ...": also serve the Cog predictor in each folder (README: Your own Cog model)
start:
	scripts/setup.sh $(if $(COG),--cog)
	.venv/bin/playground --backend $(BACKEND) $(if $(PORT),--port $(PORT)) \
	  $(foreach dir,$(COG),--cog $(dir)) $(if $(COG),--cog-reload)

test:
	scripts/setup.sh --test
	GRADIO_ANALYTICS_ENABLED=False .venv/bin/python -m pytest $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check playground tests bench

# constraints.txt anew from the newest versions pyproject.toml allows (then run make test)
lock:
	scripts/lock.sh

# the suite on the newest Gradio of the supported range (every other package as locked)
test-gradio-newest:
	scripts/setup.sh --test
	PYTEST_ARGS="$(PYTEST_ARGS)" scripts/test-gradio-newest.sh
