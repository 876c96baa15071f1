"""comparisons_frame (and appraise's effects_frame) keep each comparison's latest timepoint with
effects.collapse.latest_rows: its grouped fast path equals collapse() row by row, and invalid times still fail as
collapse() makes them fail."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painregen.effects import collapse
from painregen.effects.base import EffectInputError
from painregen.effects.collapse import latest_rows
from painregen.report.pipeline import KEYS


def _by_collapse(df: pd.DataFrame) -> list[object]:
    keep = []
    for _, g in df.groupby(KEYS, sort=False):
        c = collapse(g["time"].to_numpy(float), g["yi"].to_numpy(float), g["vi"].to_numpy(float), "last")
        keep.append(g.index[g["time"].to_numpy(float) == c.time][0])
    return keep


def _frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        key = [f"S{rng.integers(3)}", f"E{rng.integers(2)}", f"C{rng.integers(2)}", f"O{rng.integers(2)}"]
        rows.append(dict(zip(KEYS, key, strict=True), time=float(rng.choice([1, 3, 7, 14, 28])) + i * 1e-3,
                         yi=float(rng.normal()), vi=float(rng.uniform(0.01, 1))))
    df = pd.DataFrame(rows)
    return df.iloc[rng.permutation(n)].set_index(pd.Index(rng.permutation(n) * 3 + 7))  # shuffled, sparse index


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 40))
def test_fast_path_equals_collapse(seed: int, n: int) -> None:
    df = _frame(seed, n)
    assert latest_rows(df, KEYS) == _by_collapse(df)


def test_repeated_timepoint_is_reported_as_collapse_reports_it() -> None:
    df = _frame(3, 12)
    df = pd.concat([df, df.iloc[[0]]])
    with pytest.raises(EffectInputError, match="timepoint appears more than once"):
        latest_rows(df, KEYS)


def test_sections_are_built_with_the_heap_frozen_and_it_is_thawed_after(tmp_path: object,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """build_sections freezes the objects alive before it (the garbage collector's full collections skip the
    stack, the evidence and the analysis) and unfreezes them when done, also after a failing section."""
    import gc
    from pathlib import Path

    from painregen.report import sections
    from painregen.report.output import ReportOutput
    from painregen.report.pipeline import run_analysis
    from painregen.simulate import simulate

    seen: list[int] = []

    def summary(a: object, o: object) -> None:
        seen.append(gc.get_freeze_count())
        raise ValueError("broken on purpose")

    monkeypatch.setattr(sections, "BUILDERS", (("summary", summary),))
    monkeypatch.setattr(sections, "LAST", ())
    analysis = run_analysis(simulate(2, seed=5))
    out = sections.build_sections(analysis, ReportOutput(Path(str(tmp_path))), workers=1)
    assert seen and seen[0] > 10_000
    assert gc.get_freeze_count() == 0
    assert out[0].id == "summary" and analysis.cache["failures"][0].section == "summary"


def test_section_workers_inherit_the_collation_table(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """With section workers, the collation table is read once before they are forked: a section built in a worker
    (or claimed back by this process) finds it loaded."""
    from pathlib import Path

    from painregen.meta import collate
    from painregen.report import sections
    from painregen.report.output import ReportOutput
    from painregen.report.pipeline import run_analysis
    from painregen.report.sections.base import Section
    from painregen.simulate import simulate

    def heterogeneity(a: object, o: object) -> Section:
        return Section("heterogeneity", "t", {"loaded": collate._collator.cache_info().currsize})

    monkeypatch.setattr(sections, "BUILDERS", (("heterogeneity", heterogeneity),))
    monkeypatch.setattr(sections, "PARALLEL", ("heterogeneity",))
    monkeypatch.setattr(sections, "LAST", ())
    analysis = run_analysis(simulate(2, seed=5))
    collate._collator.cache_clear()
    out = sections.build_sections(analysis, ReportOutput(Path(str(tmp_path))), workers=2)
    assert out[0].id == "heterogeneity" and out[0].context == {"loaded": 1}


def test_this_process_takes_the_heaviest_unstarted_section(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Longest processing time first: with the worker busy on the first parallel section, this process, once done
    with its own, builds the others heaviest first (the order of PARALLEL), so that the last to start are short."""
    import os
    import time
    from pathlib import Path

    from painregen.report import sections
    from painregen.report.output import ReportOutput
    from painregen.report.pipeline import run_analysis
    from painregen.simulate import simulate

    folder = Path(str(tmp_path))
    log = folder / "log"

    def wait_for(name: str) -> None:
        deadline = time.monotonic() + 60
        while not (folder / name).exists():
            assert time.monotonic() < deadline, f"{name} never appeared"
            time.sleep(0.01)

    def builder(name: str, first: str | None = None, then: str | None = None):  # type: ignore[no-untyped-def]
        def build(a: object, o: object) -> None:
            if first:
                (folder / first).touch()
            if then:
                wait_for(then)
            with log.open("a") as fh:
                fh.write(f"{name} {os.getpid()}\n")
            if name == "domains":
                (folder / "release").touch()
        return build

    own = builder("summary", then="started")  # waits until the worker has claimed the first parallel section
    monkeypatch.setattr(sections, "BUILDERS", (("summary", own), ("dose_meta", builder("dose_meta", "started",
                                                                                        "release")),
                                               ("heterogeneity", builder("heterogeneity")),
                                               ("domains", builder("domains"))))
    monkeypatch.setattr(sections, "PARALLEL", ("dose_meta", "heterogeneity", "domains"))
    monkeypatch.setattr(sections, "LAST", ())
    analysis = run_analysis(simulate(2, seed=5))
    sections.build_sections(analysis, ReportOutput(folder / "out"), workers=2)
    here = [line.split()[0] for line in log.read_text().splitlines() if line.split()[1] == str(os.getpid())]
    assert here == ["summary", "heterogeneity", "domains"]


def test_prepare_loads_what_every_report_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """report.build.prepare(): the collation table is read and every template compiled, so that a report made
    after it compiles nothing (the demo prepares while its registry is being built)."""
    from painregen.meta import collate
    from painregen.report import html
    from painregen.report.build import prepare

    collate._collator.cache_clear()
    html.environment.cache_clear()
    prepare()
    assert collate._collator.cache_info().currsize == 1
    env = html.environment()

    def no_compiling(*args: object, **kwargs: object) -> None:
        raise AssertionError("a template was compiled after prepare()")

    monkeypatch.setattr(env, "_parse", no_compiling)
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        env.get_template(name)
