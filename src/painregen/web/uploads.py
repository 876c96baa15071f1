"""Uploads: size and type checks, then validation and an all-or-nothing import (library calls only).

:func:`upload_context` is shared by ``POST /upload`` (page) and ``POST /api/upload`` (JSON): it returns the
HTTP status and the one context dict both render.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from painregen.evidence import models as m
from painregen.evidence.files import read_dataset
from painregen.io.problems import InvalidDataError, Problem
from painregen.io.tables import sha256_of
from painregen.registry import DuplicateStudyError, Registry
from painregen.web.config import UPLOAD_SUFFIXES

CHUNK = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"


class UploadRejected(Exception):
    """An upload refused before validation: ``status`` (400, 413, 415) and the problems to show."""

    def __init__(self, status: int, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.status = status
        self.problems = problems


def safe_name(filename: str | None) -> str:
    """The base name of an uploaded file with anything but letters, digits, ``._-`` replaced by ``_``."""
    base = re.split(r"[\\/]", filename or "")[-1].strip()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip(".")
    return base[:120] or "upload"


def sniff_problem(path: Path, suffix: str) -> str | None:
    """Why the content of ``path`` does not match its suffix (None when it does)."""
    head = path.read_bytes()[:8192]
    if suffix == ".xlsx":
        return None if head.startswith(ZIP_MAGIC) else "the file is not an Excel workbook (.xlsx is a zip archive)"
    if head.startswith(ZIP_MAGIC) or b"\x00" in head or head.startswith(b"%PDF"):
        return f"the file is binary, not {suffix[1:].upper()} text"
    if suffix == ".json" and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return "the file does not start like a JSON document ('{' or '[')"
    return None


def save_upload(stream: BinaryIO, filename: str | None, directory: Path, max_bytes: int) -> Path:
    """Copy an uploaded stream to ``directory`` under its safe name, checking size (413) and type (415)."""
    name = safe_name(filename)
    suffix = Path(name).suffix.lower()
    if not filename:
        raise UploadRejected(400, [Problem("upload", None, "file", "no file was sent",
                                           "choose a .csv, .xlsx or .json file")])
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadRejected(415, [Problem(name, None, None, f"files of type '{suffix or name}' are not accepted",
                                           "upload a template or SyRF .csv, a template .xlsx or a .json dataset")])
    path = directory / name
    size = 0
    with path.open("wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise UploadRejected(413, [Problem(name, None, None, f"the file is larger than the upload limit "
                                                   f"of {max_bytes / 1024 / 1024:g} MB", "split it into parts")])
            out.write(chunk)
    if size == 0:
        raise UploadRejected(400, [Problem(name, None, None, "the file is empty", "choose the right file")])
    problem = sniff_problem(path, suffix)
    if problem:
        raise UploadRejected(415, [Problem(name, None, None, problem, "check the file and its extension")])
    return path


def problems_by_row(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """Problems grouped by row (file-wide problems first), each group ``{row, problems: [...]}``."""
    groups: dict[int | None, list[dict[str, object]]] = {}
    for p in problems:
        groups.setdefault(p.row, []).append(p.to_dict())
    order = sorted(groups, key=lambda r: -1 if r is None else r)
    return [{"row": r, "problems": groups[r]} for r in order]


def dataset_preview(ds: m.Dataset) -> list[dict[str, Any]]:
    """One line per study of a validated dataset."""
    return [{"study_id": s.study_id, "title": s.title, "year": s.year, "experiments": len(s.experiments),
             "cohorts": sum(len(e.cohorts) for e in s.experiments),
             "observations": sum(len(e.observations) for e in s.experiments), "simulated": s.simulated}
            for s in ds.studies]


def _context(filename: str, **values: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {"filename": filename, "format": None, "valid": False, "imported": False,
                           "dry_run": False, "message": "", "problems": [], "rows": [], "studies": [],
                           "import": None, "duplicates": []}
    ctx.update(values)
    ctx["rows"] = problems_by_row(Problem(**p) for p in ctx["problems"])
    return ctx


def upload_context(reg: Registry, stream: BinaryIO | None, filename: str | None, max_bytes: int,
                   dry_run: bool = False) -> tuple[int, dict[str, Any]]:
    """Check, validate and (unless ``dry_run``) import one uploaded file. Returns (HTTP status, context):
    201 imported, 200 valid (dry run), 400 no/empty file, 409 duplicate studies, 413 too large,
    415 wrong type, 422 invalid data (problems per row and column). Nothing is stored unless the status is 201."""
    name = safe_name(filename)
    with tempfile.TemporaryDirectory(prefix="painregen-upload-") as tmp:
        try:
            if stream is None:
                raise UploadRejected(400, [Problem("upload", None, "file", "no file was sent",
                                                   "choose a .csv, .xlsx or .json file")])
            path = save_upload(stream, filename, Path(tmp), max_bytes)
            ds, fmt = read_dataset(path)
        except UploadRejected as exc:
            return exc.status, _context(name, dry_run=dry_run, message=str(exc),
                                        problems=[p.to_dict() for p in exc.problems])
        except InvalidDataError as exc:
            msg = f"{exc.total} problem(s) found; nothing was stored"
            return 422, _context(name, dry_run=dry_run, message=msg, problems=[p.to_dict() for p in exc.problems])
        base = {"format": fmt, "valid": True, "dry_run": dry_run, "studies": dataset_preview(ds)}
        if dry_run:
            return 200, _context(name, message=f"valid: {len(ds.studies)} studies; nothing was stored", **base)
        try:
            summary = reg.import_dataset(ds, source=name, sha256=sha256_of(path), fmt=fmt)
        except DuplicateStudyError as exc:
            dups = [dataclasses.asdict(d) | {"message": str(d)} for d in exc.duplicates]
            return 409, _context(name, message="the registry already holds these studies; nothing was stored",
                                 duplicates=dups, **base)
        except ValueError as exc:
            return 422, _context(name, dry_run=dry_run, message=f"{exc}; nothing was stored",
                                 problems=[Problem(name, None, None, str(exc)).to_dict()])
    return 201, _context(name, imported=True, message=f"imported {summary.n_studies} studies "
                         f"({summary.n_records} records)", **base) | {"import": summary.to_dict()}
