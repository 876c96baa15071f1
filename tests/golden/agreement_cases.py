"""Write agreement_cases.json: the rating data that the agreement oracles (agreement_psych.R for Cohen's kappa,
agreement_irrcac.py for Gwet's AC1 and Fleiss' kappa) and tests/test_review_agreement.py read.

Pair cases are contingency tables (rows: rater A, columns: rater B); multi-rater cases list each record's ratings
by rater (null = that rater did not rate the record). Run: python tests/golden/agreement_cases.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def pair_tables() -> dict[str, dict[str, object]]:
    rng = np.random.default_rng(20240515)
    cases: dict[str, dict[str, object]] = {
        # Feinstein & Cicchetti 1990 (J Clin Epidemiol 43:543): the same 85% agreement, very different kappa
        "feinstein_balanced": {"categories": ["yes", "no"], "table": [[40, 9], [6, 45]]},
        "feinstein_skewed": {"categories": ["yes", "no"], "table": [[80, 10], [5, 5]]},
        "three_categories": {"categories": ["yes", "no", "unclear"], "table": [[31, 4, 3], [2, 40, 6], [5, 2, 7]]},
        "unused_category": {"categories": ["include", "exclude", "maybe"], "table": [[12, 3, 0], [2, 50, 0],
                                                                                   [0, 0, 0]]},
    }
    for i, (n, prev, acc) in enumerate([(200, 0.1, 0.9), (57, 0.4, 0.8), (1000, 0.05, 0.97)]):
        truth = rng.random(n) < prev
        a = np.where(rng.random(n) < acc, truth, ~truth)
        b = np.where(rng.random(n) < acc, truth, ~truth)
        table = [[int(np.sum(a & b)), int(np.sum(a & ~b))], [int(np.sum(~a & b)), int(np.sum(~a & ~b))]]
        cases[f"simulated_{i + 1}"] = {"categories": ["include", "exclude"], "table": table}
    return cases


def multi_cases() -> dict[str, dict[str, object]]:
    rng = np.random.default_rng(77)
    cases: dict[str, dict[str, object]] = {}
    for name, n, raters, cats, per in [("rotating_pairs", 60, 4, ["include", "exclude"], (2, 2)),
                                       ("two_or_three", 45, 3, ["include", "exclude", "maybe"], (2, 3))]:
        rows = []
        for _ in range(n):
            truth = int(rng.integers(len(cats)))
            k = int(rng.integers(per[0], per[1] + 1))
            who = sorted(rng.choice(raters, size=k, replace=False).tolist())
            row: list[str | None] = [None] * raters
            for r in who:
                row[r] = cats[truth] if rng.random() < 0.75 else cats[int(rng.integers(len(cats)))]
            rows.append(row)
        cases[name] = {"categories": cats, "ratings": rows}
    return cases


if __name__ == "__main__":
    out = {"pairs": pair_tables(), "multi": multi_cases()}
    Path(__file__).with_name("agreement_cases.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
