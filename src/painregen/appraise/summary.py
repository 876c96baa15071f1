"""One appraisal record per study (every instrument and criterion), as JSON-ready dicts or flat CSV rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from painregen.appraise.arrive import ArriveCompliance, compliance
from painregen.appraise.battery import BatteryCoverage, coverage
from painregen.appraise.camarades import CamaradesScore, score
from painregen.appraise.catalogue import get_instrument
from painregen.appraise.flags import Flag, translational_flags
from painregen.appraise.mechanism import GRADES, Grade, evidence_map, grade
from painregen.appraise.syrcle import SyrcleAssessment, judge
from painregen.evidence import models as m

__all__ = ["StudyAppraisal", "appraise_study", "csv_columns", "summarise", "summary_dict"]


@dataclass(frozen=True)
class StudyAppraisal:
    """Everything painregen appraises about one study."""

    study: str
    title: str
    syrcle: SyrcleAssessment
    arrive: ArriveCompliance
    camarades: CamaradesScore
    battery: BatteryCoverage
    mechanisms: tuple[Grade, ...]
    flags: tuple[Flag, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"study": self.study, "title": self.title, "syrcle": self.syrcle.to_dict(),
                "arrive": self.arrive.to_dict(), "camarades": self.camarades.to_dict(),
                "battery": self.battery.to_dict(), "mechanisms": [g.to_dict() for g in self.mechanisms],
                "flags": [f.to_dict() for f in self.flags]}

    def row(self) -> dict[str, Any]:
        """A flat record for CSV output (columns: :func:`csv_columns`)."""
        best = max((g.rank for g in self.mechanisms), default=0)
        counts = self.syrcle.counts()
        return {
            "study": self.study, "title": self.title,
            **{f"syrcle_{k}": v for k, v in self.syrcle.judgements().items()},
            **{f"syrcle_n_{k}": v for k, v in counts.items()},
            "arrive_essential": self.arrive.essential.fraction, "arrive_recommended": self.arrive.recommended.fraction,
            "camarades_score": self.camarades.score,
            "battery_required_met": self.battery.required_met, "battery_complete": self.battery.complete,
            "evoked_only": self.battery.evoked_only, "n_mechanism_claims": len(self.mechanisms),
            "best_mechanism_grade": GRADES[best - 1] if best else None,
            "n_flag_warnings": sum(f.severity == "warning" for f in self.flags),
            "flags": ";".join(dict.fromkeys(f.code for f in self.flags)),
        }


def csv_columns() -> list[str]:
    items = [it.id for it in get_instrument("syrcle").items]
    return ["study", "title", *(f"syrcle_{i}" for i in items),
            *(f"syrcle_n_{k}" for k in ("low", "unclear", "high", "not_assessed")), "arrive_essential",
            "arrive_recommended", "camarades_score", "battery_required_met", "battery_complete", "evoked_only",
            "n_mechanism_claims", "best_mechanism_grade", "n_flag_warnings", "flags"]


def appraise_study(study: m.Study, *, use_text: bool = False) -> StudyAppraisal:
    """Appraise one study with every instrument and criterion (text detectors only with ``use_text``)."""
    return StudyAppraisal(
        study=study.study_id, title=study.title, syrcle=judge(study.rob), arrive=compliance(study.arrive),
        camarades=score(study, use_text=use_text), battery=coverage(study),
        mechanisms=tuple(grade(c) for e in study.experiments for c in e.mechanisms),
        flags=tuple(translational_flags(study)),
    )


def summarise(ds: m.Dataset, *, use_text: bool = False) -> list[StudyAppraisal]:
    return [appraise_study(s, use_text=use_text) for s in ds.studies]


def summary_dict(ds: m.Dataset, *, use_text: bool = False) -> dict[str, Any]:
    """JSON-ready summary: per-study records, the SYRCLE share table and the mechanistic evidence map."""
    from painregen.appraise.plots import summary_table  # matplotlib loads on first use

    records = summarise(ds, use_text=use_text)
    table = summary_table({r.study: r.syrcle for r in records}) if records else None
    emap = evidence_map(ds).reset_index()
    return {
        "n_studies": len(records),
        "studies": [r.to_dict() for r in records],
        "syrcle_summary": {} if table is None else {i: table.loc[i].to_dict() for i in table.index},
        "evidence_map": emap.to_dict(orient="records"),
    }
