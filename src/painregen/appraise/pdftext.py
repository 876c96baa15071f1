"""Read a paper or a methods section for appraisal pre-filling: plain text (UTF-8) or PDF (text layer via pypdf).

PDF pages are joined with form feeds (``\\f``) so that :func:`painregen.appraise.textnorm.normalise` can tell
running headers and footers (repeated at the top or bottom of pages) from body text. Scanned PDFs without a text
layer give no text: that is reported as a problem, not as an empty appraisal. Problems are
:class:`painregen.io.problems.InvalidDataError` naming the file and the fix.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from painregen.io.problems import InvalidDataError, Problem

__all__ = ["PDF_MAGIC", "SourceText", "pdf_text", "read_path", "read_source"]

PDF_MAGIC = b"%PDF"


@dataclass(frozen=True)
class SourceText:
    """Raw text of an input file; ``pdf`` tells whether it came from a PDF's text layer (``pages`` pages)."""

    name: str
    text: str
    pdf: bool
    pages: int | None = None


def _problem(name: str, message: str, fix: str) -> InvalidDataError:
    return InvalidDataError([Problem(name, None, None, message, fix)])


def pdf_text(data: bytes, name: str = "upload.pdf") -> SourceText:
    """The text layer of a PDF (pages separated by ``\\f``)."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported below, not as log noise
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _problem(name, "the PDF is encrypted", "save an unprotected copy or paste the methods text")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InvalidDataError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _problem(name, f"cannot read the PDF ({exc})", "check the file, or paste the methods text") from exc
    text = "\f".join(pages)
    if not text.strip():
        raise _problem(name, "the PDF has no text layer (a scan?)", "run OCR first, or paste the methods text")
    return SourceText(name, text, True, len(pages))


def read_source(data: bytes, name: str) -> SourceText:
    """Decode an uploaded or read file: a PDF by its content (``%PDF``), else UTF-8 text (a BOM is dropped)."""
    if data.lstrip()[:4] == PDF_MAGIC:
        return pdf_text(data, name)
    if name.lower().endswith(".pdf"):
        raise _problem(name, "the file is named .pdf but is not a PDF", "check the file")
    if b"\x00" in data[:4096]:
        raise _problem(name, "the file is binary, not text", "give a .txt file or a PDF")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _problem(name, f"the file is not UTF-8 text (byte {exc.start})", "save it as UTF-8") from exc
    if not text.strip():
        raise _problem(name, "the file is empty", "give the methods section or the paper")
    return SourceText(name, text, False)


def read_path(path: Path) -> SourceText:
    """:func:`read_source` for a file on disk (FileNotFoundError when it is missing)."""
    return read_source(path.read_bytes(), path.name)
