"""Train the small sentence model of appraisal pre-filling on the DEVELOPMENT part of the rob corpus only.

One L2-regularised logistic regression per item (scikit-learn, liblinear, deterministic) over the hashed
features of :func:`painregen.appraise.learned.features`; positives are the sentences labelled "yes", negatives
every other sentence of the development papers (look-alikes included). Only sentences the model scores in use are
trained on: those holding a cue word (:data:`painregen.appraise.learned.CUES`), headings left out. The weights are
pruned to the largest ``--keep`` per item and written as JSON into the package. The decision threshold of each
item is chosen by 4-fold cross-validation grouped by paper (still development papers only): the smallest
probability in a grid at which the model's out-of-fold "yes" answers, on sentences the rules leave unanswered,
exist and are at least 90% precise (else the grid's highest, 0.95). No network, no GPU; the held-out papers
are never read. The file holds hashed feature numbers and weights only, no words of the corpus.

Needs the corpus texts, which are not in git: rebuild them first (tests/data/rob_corpus/README.md). Training the
same texts again writes the same file, byte for byte.

    .venv/bin/python tools/rob_corpus_build.py
    .venv/bin/python benchmarks/train_rob_model.py [--out PATH]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from painregen.appraise.detect import MODEL_ITEMS, hits  # noqa: E402
from painregen.appraise.evaluate import DETECTOR_ITEMS, load_corpus  # noqa: E402
from painregen.appraise.learned import N_FEATURES, SentenceModel, features  # noqa: E402
from painregen.appraise.textnorm import is_heading, split_sentences  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "rob_corpus"
OUT = ROOT / "src" / "painregen" / "appraise" / "models" / "rob_sentence_model.json"
GRID = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]


def dev_ids() -> list[str]:
    with (CORPUS / "documents.csv").open(encoding="utf-8") as fh:
        return [r["doc_id"] for r in csv.DictReader(fh) if r["split"] == "dev"]


def dataset() -> tuple[sparse.csr_matrix, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    docs = load_corpus(CORPUS, "dev")
    rows, cols, vals = [], [], []
    y: dict[str, list[int]] = {it: [] for it in MODEL_ITEMS.values()}
    group, ruled = [], []
    n = 0
    for g, doc in enumerate(docs):
        rule_yes = {(h.sentence_start, DETECTOR_ITEMS[h.detector]) for h in hits(doc.text, model=False)
                    if h.kind == "positive" and h.detector in DETECTOR_ITEMS}
        for a, b in split_sentences(doc.text):
            if is_heading(doc.text[a:b]) or not SentenceModel.relevant(doc.text[a:b]):
                continue
            for k, v in features(doc.text[a:b]).items():
                rows.append(n)
                cols.append(k)
                vals.append(v)
            for it in y:
                labs = {lab for i2, lab, s, e in doc.labels if i2 == it and s < b and a < e}
                y[it].append(1 if "yes" in labs else (-1 if "skip" in labs else 0))
            group.append(g)
            ruled.append([(a, it) in rule_yes for it in y])
            n += 1
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(n, N_FEATURES))
    return x, {k: np.array(v) for k, v in y.items()}, np.array(group), np.array(ruled)


def fit(x: sparse.csr_matrix, y: np.ndarray) -> LogisticRegression:
    m = LogisticRegression(C=4.0, class_weight="balanced", solver="liblinear", max_iter=1000, random_state=0)
    m.fit(x, y)
    return m


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=OUT, help="where to write the model (default: into the package)")
    args = p.parse_args(argv)
    missing = [d for d in dev_ids() if not (CORPUS / "texts" / f"{d}.txt").exists()]
    if missing:
        print(f"{CORPUS / 'texts'}: {len(missing)} development texts are absent (they are not in git); rebuild them "
              "with .venv/bin/python tools/rob_corpus_build.py (tests/data/rob_corpus/README.md)", file=sys.stderr)
        return 1
    x, ys, group, ruled = dataset()
    weights, intercepts, thresholds, keep = {}, {}, {}, 400
    for j, (item, y) in enumerate(ys.items()):
        use = y >= 0
        if y[use].sum() < 5:
            continue
        oof = np.zeros(len(y))
        for fold in range(4):
            test = (group % 4 == fold) & use
            train = (group % 4 != fold) & use
            if y[train].sum() == 0:
                continue
            oof[test] = fit(x[train], y[train]).predict_proba(x[test])[:, 1]
        free = use & ~ruled[:, j]
        chosen = GRID[-1]
        for t in GRID:
            sel = free & (oof >= t)
            if sel.sum() > 0 and y[sel].mean() >= 0.9:
                chosen = t
                break
        m = fit(x[use], y[use])
        coef = m.coef_.ravel()
        top = np.argsort(-np.abs(coef))[:keep]
        weights[item] = {int(i): float(coef[i]) for i in top if coef[i] != 0}
        intercepts[item] = float(m.intercept_[0])
        thresholds[item] = chosen
        print(f"{item}: {int(y[use].sum())} positives of {int(use.sum())}, threshold {chosen}")
    model = SentenceModel(weights, intercepts, thresholds,
                          {"trained_on": "tests/data/rob_corpus development split only",
                           "sentences": int(x.shape[0]), "learner": "logistic regression (liblinear, C=4, balanced)",
                           "kept_weights_per_item": keep})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model.to_dict(), separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
