"""Decoding of search files: UTF-8 with or without a byte-order mark, UTF-16 with one, Windows-1252 and
Latin-1 (the encodings reference managers and databases export), with CRLF and lone CR line ends made LF."""

from __future__ import annotations

import codecs

#: encodings tried, in order, on files without a byte-order mark
FALLBACKS = ("utf-8", "cp1252", "latin-1")


def decode(data: bytes) -> tuple[str, str]:
    """``(text, encoding)`` of the bytes of a file, line ends normalised to ``\\n``.

    A byte-order mark decides the encoding (UTF-8, UTF-16 LE/BE); otherwise strict UTF-8 is tried, then
    Windows-1252, then Latin-1 (which accepts any byte). Stray byte-order marks inside the text (files
    concatenated from several exports) are removed.
    """
    text: str | None = None
    encoding = ""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            text, encoding = data.decode(name), name
            break
    if text is None:
        for name in FALLBACKS:
            try:
                text, encoding = data.decode(name), name
                break
            except UnicodeDecodeError:
                continue
    assert text is not None  # latin-1 decodes any byte string
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding
