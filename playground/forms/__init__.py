"""A form for any model, from its version's `openapi_schema`. No gradio here.

```python
form = form_from_schema(version.openapi_schema)      # InputForm: Fields in x-order
for field in form:
    print(field.name, field.kind, field.default)      # "scale slider 4", "image file None"
inputs = coerce_inputs(form, {"image": path, "scale": "2"})   # {"image": Path, "scale": 2.0}
view = output_view(version.openapi_schema)            # OutputView("file"), ("text_stream")...
query = share_query("local/rembg", form, inputs)       # "model=local%2Frembg&input.model=..."
```

Field kinds: choice (enums), slider (numbers with both bounds), integer, number, checkbox,
text, textarea (prompts), password (`x-cog-secret`), file / files (`format: uri`, with
`file_kind` image/audio/video/any), json (anything else, with a `note` saying why).
A schema with no usable Input raises SchemaProblem; a bad value InputProblem.
"""

from .fields import (
    Field,
    FieldKind,
    FileKind,
    InputForm,
    SchemaProblem,
    field_from_property,
    file_kind_of,
    form_from_schema,
    label_of,
)
from .outputs import MediaKind, OutputKind, OutputView, file_urls, media_kind, output_view
from .share import SharedSetup, model_from_query, read_query, share_query
from .values import InputProblem, coerce_inputs, coerce_value, is_default

__all__ = [
    "Field", "FieldKind", "FileKind", "InputForm", "InputProblem", "MediaKind", "OutputKind",
    "OutputView", "SchemaProblem", "SharedSetup", "coerce_inputs", "coerce_value",
    "field_from_property", "file_kind_of", "file_urls", "form_from_schema", "is_default",
    "label_of",
    "media_kind",
    "model_from_query", "output_view", "read_query", "share_query",
]
