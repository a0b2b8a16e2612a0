"""A big JSON body read as it arrives, its long data-URI strings set aside on disk.

A 96 MiB file sent as a data URI is a 128 MiB body. Read whole, then parsed, then decoded, it
was held four or five times over (the chunks, their join, the parsed text, the string, the
decoded bytes). Here each `"data:...` string literal longer than `LITERAL_MIN` goes to a
temporary file as the bytes arrive and is replaced in the JSON by a short placeholder (itself a
valid data URI): what is parsed is the small rest. A file input's placeholder is later decoded
from disk straight into the kept file (`decode_to`); one anywhere else gets its text back
(`text`), so the body means exactly what it said.

Why a quote followed by `data:` opens a string: inside a JSON string a quote is escaped (`\\"`,
skipped here), and a closing quote is followed by `,`, `:`, `]`, `}` or space, never a letter.
A body that breaks this is invalid JSON, and stays invalid after the swap.
"""

from __future__ import annotations

import binascii
import json
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

LITERAL_MIN = 64 * 1024  # as inputs.INLINE_DATA_URI_MAX: a shorter one stays in the JSON
HEAD_MAX = 1024  # a data URI's `data:type;params,` part longer than this is not set aside
_CHUNK = 4 * 1024 * 1024
_OPEN = b'"data:'
_SPECIAL = re.compile(rb'["\\]')
# while a literal is still one to set aside: also what JSON refuses raw in a string, or what is
# not ASCII (such a literal is left to the parser, which judges it as before)
_SPECIAL_PLAIN = re.compile(rb'["\\\x00-\x1f\x7f-\xff]')
_SIMPLE_ESCAPES = b"/nrt"  # what base64 text may carry escaped (`\/` by PHP, `\n` by MIME)
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_B64 = bytes(b for b in range(256) if b not in _B64)  # deleted, as b64decode does


class Malformed(ValueError):
    """A set-aside data URI that does not decode; the message says why."""


@dataclass
class Literal:
    offset: int  # of its content (after the opening quote) in the spool file
    size: int  # bytes of its JSON text
    escaped: bool  # holds `\/`, `\n`, `\r` or `\t` (any other escape is never set aside)
    mime: str


class SpooledBody:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.skeleton = bytearray()  # the body without its long literals
        self.literals: dict[str, Literal] = {}
        self._file: IO[bytes] | None = None
        self._token = secrets.token_hex(8)
        self._carry = b""  # bytes not yet placed (a `"data:` may straddle two chunks)
        self._inside = False  # in a literal
        self._buf = bytearray()  # a literal's bytes while it is short
        self._offset = -1  # where a long literal's bytes start in the file (-1: in _buf)
        self._size = 0
        self._escape_next = False
        self._escaped = False
        self._plain = True  # printable ASCII and simple escapes so far: one to set aside

    # reading

    def feed(self, chunk: bytes) -> None:
        data = self._carry + chunk if self._carry else chunk
        self._carry = b""
        pos = 0
        while pos < len(data):
            pos = self._in_literal(data, pos) if self._inside else self._outside(data, pos)

    def finish(self) -> None:
        """The body ended. An unterminated literal is put back as an unterminated string: the
        parser then refuses the body, as it would have."""
        if self._inside:
            self.skeleton += b'"data:'
            self._inside = False
        self.skeleton += self._carry
        self._carry = b""

    def _outside(self, data: bytes, pos: int) -> int:
        at = data.find(_OPEN, pos)
        if at < 0:
            keep = min(len(_OPEN) - 1, len(data) - pos)  # a `"data:` cut by the chunk's end
            self.skeleton += data[pos:len(data) - keep]
            self._carry = data[len(data) - keep:]
            return len(data)
        before = data[at - 1] if at > 0 else (self.skeleton[-1] if self.skeleton else 0)
        if before == ord("\\"):  # `\"data:` inside another string
            self.skeleton += data[pos:at + 1]
            return at + 1
        self.skeleton += data[pos:at]
        self._inside, self._buf, self._offset, self._size = True, bytearray(), -1, 0
        self._escaped, self._plain, self._escape_next = False, True, False
        return at + 1  # the literal's text starts with `data:`

    def _in_literal(self, data: bytes, pos: int) -> int:
        if self._escape_next:
            self._escape(data[pos])
            self._escape_next = False
            self._append(data[pos:pos + 1])
            pos += 1
        m = (_SPECIAL_PLAIN if self._plain else _SPECIAL).search(data, pos)
        if m is None:
            self._append(data[pos:])
            return len(data)
        at = m.start()
        if data[at] not in b'"\\':
            self._plain = False
            self._append(data[pos:at + 1])
            return at + 1
        if data[at] == ord("\\"):
            if at + 1 == len(data):
                self._escape_next = True
                self._append(data[pos:])
                return len(data)
            self._escape(data[at + 1])
            self._append(data[pos:at + 2])
            return at + 2
        self._append(data[pos:at])
        self._close_literal()
        return at + 1

    def _escape(self, byte: int) -> None:
        self._escaped = True
        if byte not in _SIMPLE_ESCAPES:
            self._plain = False

    def _append(self, part: bytes) -> None:
        self._size += len(part)
        if self._offset < 0:
            self._buf += part
            if len(self._buf) <= LITERAL_MIN:
                return
            if self._file is None:
                self._file = tempfile.TemporaryFile(dir=self.folder)
            self._offset = self._file.seek(0, 2)
            self._file.write(self._buf)
            self._buf = bytearray(self._buf[:HEAD_MAX])  # its head, to read the type from
        else:
            assert self._file is not None
            self._file.write(part)

    def _close_literal(self) -> None:
        self._inside = False
        head = bytes(self._buf[:HEAD_MAX])
        header = head.partition(b",")[0].replace(b"\\/", b"/") if b"," in head else None
        params = header.split(b";")[1:] if header is not None else []
        if self._offset < 0 or not self._plain or b"base64" not in params:
            self.skeleton += b'"' + self._text_bytes() + b'"'  # short, or not for decoding
            return
        key = f"data:application/x-spooled;id={self._token}{len(self.literals)};base64,"
        mime = header[5:].split(b";")[0].decode("ascii", "replace") if header else ""
        self.literals[key] = Literal(self._offset, self._size, self._escaped, mime)
        self.skeleton += b'"' + key.encode() + b'"'

    def _text_bytes(self) -> bytes:
        if self._offset < 0:
            return bytes(self._buf)
        return self._read(self._offset, self._size)  # rare: a long one not to decode

    def _read(self, offset: int, size: int) -> bytes:
        assert self._file is not None
        self._file.seek(offset)
        return self._file.read(size)

    # using it

    def get(self, value: object) -> Literal | None:
        return self.literals.get(value) if isinstance(value, str) else None

    def text(self, key: str) -> str:
        """A placeholder's original string, for an input that is not a file."""
        lit = self.literals[key]
        return str(json.loads(b'"' + self._read(lit.offset, lit.size) + b'"'))

    def decode_to(self, key: str, out: IO[bytes], limit: int) -> int:
        """Decode a placeholder's base64 into `out`, a chunk at a time; return the bytes
        written. Raises Malformed, or OverflowError past `limit` bytes."""
        lit = self.literals[key]
        assert self._file is not None
        self._file.seek(lit.offset)
        left, written, started = lit.size, 0, False
        escape, rest = b"", b""  # a `\` cut off by the chunk; base64 short of a quad
        while left > 0:
            chunk = self._file.read(min(_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            if not started:  # the `data:...,` part (within the first chunk: HEAD_MAX)
                chunk, started = chunk.partition(b",")[2], True
            if lit.escaped:  # only \/ \n \r \t here: drop the last three whole
                chunk, escape = escape + chunk, b""
                if chunk.endswith(b"\\"):
                    chunk, escape = chunk[:-1], b"\\"
                for esc in (b"\\n", b"\\r", b"\\t"):
                    chunk = chunk.replace(esc, b"")
            text = rest + chunk.translate(None, _NOT_B64)  # `\/` -> `/`; `=` re-added below
            cut = len(text) - len(text) % 4
            text, rest = text[:cut], text[cut:]
            written = self._write(out, text, written, limit)
        if len(rest) == 1:
            raise Malformed("malformed base64 in data URI: one character too many")
        return self._write(out, rest + b"=" * (-len(rest) % 4), written, limit)

    @staticmethod
    def _write(out: IO[bytes], text: bytes, written: int, limit: int) -> int:
        try:
            data = binascii.a2b_base64(text)
        except binascii.Error as exc:
            raise Malformed(f"malformed base64 in data URI: {exc}") from None
        written += len(data)
        if written > limit:
            raise OverflowError(written)
        out.write(data)
        return written

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
