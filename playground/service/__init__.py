"""The service: the only thing the UI and Compare call. No gradio here.

```python
service = Service("http://127.0.0.1:8008", backend="local")
result = await service.upscale("photo.jpg", scale=2, on_update=print)  # RunUpdate, ...
print(result.summary(), result.files)   # succeeded in 3.2 s (predict 2.9 s) · local/real-esrgan
answer = await service.chat("Hi!", history=[], on_update=lambda u: print(u.delta, end=""))
result = await service.run_model("owner/name:version", {...})      # any model
setup = await service.catalog.find_model("owner/name")             # its form (ModelSetup)
result = await service.stream_model("owner/name", {...}, on_update=...)
schema = await service.input_schema("owner/name")                   # InputSchema | None
```

**Whose run.** Every run method also takes `caller=Caller(owner, tab)`: the history records the
run for that browser, and `reuse` / `seed_chosen` say whether an identical saved run may answer
it. It is an argument like `token` and `on_update` (nothing is read from the task's context);
without it a run is kept for nobody and never answered from the history.

Which model a task runs comes from its preset (`presets/*.toml`): the pinned Replicate ref on
the "replicate" and "custom" backends, the local stand-in and local defaults on "local".

**The one rule for failure.** Every run, chat included, reports `RunUpdate`s to `on_update`
and ends with one `RunResult`. A prediction that the backend ran and that failed or was
canceled is a `RunResult` with `status` "failed" or "canceled" (its `error` and `logs` kept);
`result.ok` is true only for "succeeded". Anything else raises, typed (see `errors`): a bad
request or upload (`ServiceError`, `FileProblem`), the API's refusals and a dead backend
(`ReplicateError`), a run that outlives the service's timeout (`PredictionTimedOut`). Canceling
the calling task cancels the prediction on the backend. Every finished run passes through one
method, which calls each hook in `Service.on_finished` (e.g. a run history).
"""

# The service's own API is below (`Service`, its types, its error tree `errors`). The pure
# packages it works with (forms, results, presets, run_code, tasks, config) are imported from
# where they live; these few come from below the service, for the page (tests/test_layers.py).
from playground.files.datauri import human_size
from playground.files.uploads import pixel_problem
from playground.history import Caller, Filters, RunHistory, RunRecord, new_owner_id
from playground.history.recorder import INTERRUPTED
from playground.replicate import scrub

from . import errors
from .backend import Backend
from .browser_keys import Browser, BrowserKeys, is_sealed
from .catalog import Catalog, ModelCard, ModelProblem, ModelSetup, read_ref
from .core import OnFinished, OnUpdate, Service
from .gate import Gate, GateStats, Visitor
from .request import FileInput
from .routing import EngineModels, Router
from .schema import InputSchema
from .secrets import REDACTED
from .stand_ins import LocalModel
from .tool_files import FileFacts, FileRefused, file_facts, tool_file

__all__ = [
    "Visitor",
    "INTERRUPTED",
    "Backend",
    "EngineModels",
    "Router",
    "Browser",
    "BrowserKeys",
    "Caller",
    "Filters",
    "REDACTED",
    "Catalog",
    "FileFacts",
    "FileInput",
    "FileRefused",
    "Gate",
    "GateStats",
    "InputSchema",
    "ModelCard",
    "ModelProblem",
    "LocalModel",
    "ModelSetup",
    "OnFinished",
    "OnUpdate",
    "RunHistory",
    "RunRecord",
    "Service",
    "errors",
    "file_facts",
    "human_size",
    "is_sealed",
    "new_owner_id",
    "pixel_problem",
    "read_ref",
    "scrub",
    "tool_file",
]
