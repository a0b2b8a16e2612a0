"""Files in and out: uploads become input values, outputs become local files.

No gradio here. Uploads (a path, bytes or a PIL image) are identified from their content,
checked (a text file given as an image, an empty or truncated file are refused with a sentence
naming the file), large photos optionally shrunk, then sent as a `data:` URI (up to 256 kB) or
through the Files API (`urls.get`), falling back to a data URI up to 10 MB on backends without one.
Outputs are saved under `data_dir()/outputs/` by content hash.
"""

from playground.files.datauri import human_size, shorten, shorten_all
from playground.files.errors import (
    CorruptFile,
    DownloadFailed,
    FileProblem,
    FileTooLarge,
    UnsupportedFile,
)
from playground.files.inputs import DATA_URI_CAP, INLINE_LIMIT, Upload, Uploader
from playground.files.outputs import OutputSaver, SavedOutput, is_file_value
from playground.files.sniff import FileType, sniff
from playground.files.uploads import LocalFile, Source, prepare

__all__ = [
    "DATA_URI_CAP",
    "INLINE_LIMIT",
    "CorruptFile",
    "DownloadFailed",
    "FileProblem",
    "FileTooLarge",
    "FileType",
    "LocalFile",
    "OutputSaver",
    "SavedOutput",
    "Source",
    "UnsupportedFile",
    "Upload",
    "Uploader",
    "human_size",
    "is_file_value",
    "prepare",
    "shorten",
    "shorten_all",
    "sniff",
]
