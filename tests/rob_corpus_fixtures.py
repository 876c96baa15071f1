"""Where the rob corpus lives (tests/data/rob_corpus) and whether its texts are here.

The article texts are not in git: ``tools/rob_corpus_build.py`` rebuilds them into the gitignored
``tests/data/rob_corpus/texts/`` from the fetched repository snapshots that ``documents.csv`` names (see that
folder's README). Tests that read the texts carry :data:`needs_texts`: they skip, saying how to rebuild, when the
texts are absent (as in CI) and run when they are present; tests of the committed files (documents, labels,
hand-written sentences, the model) always run.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "data" / "rob_corpus"


def missing_texts() -> list[str]:
    """doc_ids of documents.csv whose rebuilt text is absent."""
    with (CORPUS / "documents.csv").open(encoding="utf-8") as fh:
        return [r["doc_id"] for r in csv.DictReader(fh) if not (CORPUS / "texts" / f"{r['doc_id']}.txt").exists()]


_MISSING = missing_texts()
needs_texts = pytest.mark.skipif(
    bool(_MISSING),
    reason=f"rob corpus texts not rebuilt ({len(_MISSING)} absent from the gitignored tests/data/rob_corpus/texts/): "
           "fetch the repositories of documents.csv and run .venv/bin/python tools/rob_corpus_build.py "
           "(tests/data/rob_corpus/README.md, 'Rebuilding the texts')")
