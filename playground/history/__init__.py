"""Every finished run, kept: found again, re-run, compared, and never paid for twice.

No gradio here. `RunStore(data_dir)` keeps runs in `data_dir/history.sqlite3`, beside the
outputs folder the app serves (the database itself is never served); their files (inputs and
outputs) are references into that folder by content hash.

```python
store = RunStore(data_dir, max_bytes=5_000_000_000)
record = store.record(FinishedRun(task="upscale", tab="upscale", model="local/real-esrgan",
                                  version=None, backend_kind="local", backend_url=url,
                                  status="succeeded", inputs={"image": InputFile(png)},
                                  output=[saved_path]), owner=browser_id)
page = store.page(Scope.of(browser_id), Filters(task="upscale", text="cat"))
store.page(Scope.of(browser_id), cursor=page.next_cursor)         # the next, older page
store.find_cached(cache_key(...), Scope.of(browser_id))            # an identical earlier run
store.delete(record.id, Scope.of(browser_id))                      # files kept if shared
```
"""

from playground.history.cache import cache_key, repeatable
from playground.history.query import Filters
from playground.history.record import (
    FinishedRun,
    InputFile,
    RunRecord,
    Scope,
    is_owner_id,
    is_run_id,
)
from playground.history.redact import looks_secret, secret_inputs
from playground.history.runs import Caller, RunHistory, new_owner_id
from playground.history.schema import SchemaTooNew
from playground.history.store import DEFAULT_MAX_BYTES, Page, Pruned, RunStore

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Caller",
    "Filters",
    "FinishedRun",
    "InputFile",
    "Page",
    "Pruned",
    "RunHistory",
    "RunRecord",
    "RunStore",
    "SchemaTooNew",
    "Scope",
    "cache_key",
    "is_owner_id",
    "is_run_id",
    "looks_secret",
    "new_owner_id",
    "repeatable",
    "secret_inputs",
]
