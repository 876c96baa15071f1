"""Issue 14: the workbench keeps the analysis of an unchanged registry, keyed by its content version."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from painregen.evidence.files import write_dataset
from painregen.simulate import simulate
from painregen.web.app import create_app
from painregen.web.views import analysis


def test_a_second_view_is_served_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = analysis.run_analysis

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "run_analysis", counted)
    with TestClient(create_app(tmp_path / "r.db", work_dir=tmp_path / "jobs")) as c:
        for seed, name in ((1, "a.csv"), (2, "b.csv")):
            path = tmp_path / name
            ds = simulate(3, seed=seed)
            write_dataset(ds.model_copy(update={"studies": [s.model_copy(update={"title": f"{s.title} {seed}"})
                                                            for s in ds.studies]}), path)
            if seed == 2:
                first = c.get("/api/analysis", params={"figures": "false"}).json()
                again = c.get("/api/analysis", params={"figures": "false"}).json()
                assert again == first and len(calls) == 1  # unchanged registry: computed once
            r = TestClient(c.app).post("/api/upload", files={"file": (name, path.read_bytes(), "text/csv")})
            assert r.status_code == 201, r.text
        after = c.get("/api/analysis", params={"figures": "false"}).json()
        assert len(calls) == 2 and after["summary"]["studies"] == 6  # the import changed the content version
