"""Readable text summaries of the dose-response results for the command line (``painregen dose``, ``painregen
dose-meta`` without ``--json``): the multiple contrast test table, the fitted models, the selected model's
coefficients, MED, saturation dose and the window's verdict; for the pooled curve across studies, the spline
coefficients, the test of non-linearity, the shape and the notes.  Plain text within 80 columns (long sentences
are wrapped); the numbers are those of ``to_dict()``.
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any

from painregen.meta.printing import fmt_p

if TYPE_CHECKING:
    from painregen.dose.meta_dr import SplineFit, StratifiedDoseResponse
    from painregen.dose.results import MCPModResult
    from painregen.dose.window import WindowResult

WIDTH = 80


def _n(x: Any, digits: int = 4) -> str:
    """A number to ``digits`` significant digits (None/NaN -> NA)."""
    if x is None:
        return "NA"
    v = float(x)
    return "NA" if not math.isfinite(v) else f"{v:.{digits}g}"


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent.rstrip()]


def _table(header: list[str], rows: list[list[str]], indent: str = "  ", left: int = 1) -> list[str]:
    """Columns padded to their widths; the first ``left`` columns (labels) left-aligned, the rest right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = [f"{indent}" + "  ".join(str(c).ljust(w) if i < left else str(c).rjust(w)
                                   for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in [header, *rows]]
    return [line.rstrip() for line in fmt]


def _ci(pair: tuple[float | None, float | None] | list[Any]) -> str:
    lo, hi = pair
    return f"[95% CI {'NA' if lo is None else _n(lo)} to {'not reached' if hi is None else _n(hi)}]"


def format_window(w: WindowResult, title: str = "Saturation window") -> list[str]:
    """MED, saturation dose, window, plateau/decline flags and the verdict."""
    out = [f"{title}:"]
    if not w.identified:
        return [*out, *_wrap(w.verdict, "  ")]
    if w.delta is not None:
        out.append(f"  MED (effect >= {_n(w.delta)}):  {_n(w.med)}  {_ci(w.med_ci)}")
    sat = (_n(w.saturation) + "  " + _ci(w.saturation_ci) if w.saturation is not None
           else (w.saturation_note or "NA").split(":")[0])
    out.append(f"  saturation (ED{round(100 * w.p)}):   {sat}")
    win = w.window
    out.append(f"  window:            {'NA' if win is None else f'{_n(win[0])} to {_n(win[1])}'}"
               f"; plateau: {'yes' if w.plateau else 'no'}; decline: {'yes' if w.decline.detected else 'no'}")
    if w.bootstrap_selected:
        shares = ", ".join(f"{k} {100 * v:.0f}%" for k, v in sorted(w.bootstrap_selected.items(),
                                                                  key=lambda kv: -kv[1]) if v >= 0.005)
        out += _wrap(f"intervals: {w.n_boot} bootstrap replicates of the whole model selection (selected: "
                     f"{shares})", "  ")
    return [*out, "", *_wrap("Verdict: " + w.verdict)]


def format_mcp_mod(res: MCPModResult, extras: dict[str, Any] | None = None) -> str:
    """``painregen dose``'s summary of an :class:`MCPModResult` (``extras``: ``on_dose_scale`` window, notes)."""
    d, m = res.data, res.mct
    df = "inf" if not math.isfinite(m.df) else f"{m.df:g}"
    n = "" if d.type == "general" else f", {int(d.n_total)} animals"
    out: list[str] = [f"MCP-Mod: {d.k} dose levels ({'raw' if d.type == 'normal' else 'summary'} data{n}), "
                      f"{res.direction} responses are better", "",
                      f"Multiple contrast test ({m.alternative}, alpha {m.alpha:g}, df {df}, critical value "
                      f"{m.critical_value:.4f})"]
    rows = [[name, fam, f"{t:.4f}", fmt_p(p), "*" if s else ""] for name, fam, t, p, s in
            zip(m.names, m.families, m.t_stats, m.p_adj, m.significant, strict=True)]
    out += _table(["model", "family", "t", "p_adj", ""], rows, left=2)
    if res.fits:
        crit = res.fits[0].criterion
        out += ["", f"Fitted models ({crit}; weights for {res.selection.method}):"]
        frows = [[f.model, f"{f.aic:.3f}", _n(res.selection.weights.get(f.model), 3),
                  ", ".join(f.at_bound) or "-"] for f in res.fits]
        out += _table(["model", crit, "weight", "at bound"], frows)
    if res.selected_model is not None:
        out += ["", f"Selected model: {res.selected_model} ({res.selection.method})"]
        fit = res.fit(res.selected_model)
        crows = [[c, _n(v, 6), "not identified" if c in fit.not_identified else _n(s, 4)]
                 for c, v, s in zip(fit.coef_names, fit.coefs, fit.se, strict=True)]
        out += _table(["coefficient", "estimate", "se"], crows)
    out += ["", *format_window(res.window)]
    extra = extras or {}
    if extra.get("on_dose_scale") is not None:
        out += ["", *format_window(extra["on_dose_scale"], "On the dose scale (mapped back from log10)")]
    notes = [*res.notes, *extra.get("notes", [])]
    if notes:
        out += ["", "Notes:"] + [line for nt in notes for line in _wrap(f"- {nt}", "  ")]
    return "\n".join(out)


def format_spline(res: SplineFit, unit: str = "") -> list[str]:
    """One pooled spline model: scale, knots, coefficients, non-linearity, shape, notes."""
    name = type(res).__name__
    model = "two-stage" if name.startswith("TwoStage") else "one-stage"
    choice = getattr(res, "scale_choice", {}) or {}
    rule = choice.get("rule", "given")
    out = [f"{model} restricted cubic spline: k = {res.k} contrasts from {res.n_studies} studies"]
    out += _wrap(f"dose scale {res.scale}" + ("" if rule == "given" else f" ({rule})")
                 + f"; knots {', '.join(_n(t) for t in res.knots)}", "  ")
    rows = [[t, _n(b, 5), _n(s, 4)] for t, b, s in zip(res.terms, res.b, res.se, strict=True)]
    out += _table(["term", "estimate", "se"], rows)
    out.append(f"  non-linearity: chi2 = {_n(res.nonlinear_stat)} on {res.nonlinear_df} df, "
               f"p = {fmt_p(res.nonlinear_p)}")
    out += _wrap(res.shape.sentence(unit), "  ")
    sigma2 = getattr(res, "sigma2", None)
    if sigma2 is not None and len(sigma2):
        out.append(f"  sigma2 (study, contrast): {', '.join(_n(s) for s in sigma2)}")
    if getattr(res, "Psi", None) is not None:
        out.append(f"  stage 2: {getattr(res, 'method', '')}; I2 = {_n(getattr(res, 'I2', None), 3)}%")
    emax = getattr(res, "emax", None)
    if emax is not None:
        out.append(f"  Emax: ED50 {_n(emax.ed50)} {_ci(tuple(emax.ed50_ci))}, eMax {_n(emax.eMax)}"
                   + (" (ED50 at the edge of its grid)" if emax.at_bound else ""))
    for nt in getattr(res, "notes", ()):
        out += _wrap(f"- {nt}", "  ")
    return out


def format_dose_meta(res: SplineFit | StratifiedDoseResponse, unit: str = "") -> str:
    """``painregen dose-meta``'s summary: one block per stratum (or the single pooled model)."""
    results = getattr(res, "results", None)
    if results is None:
        return "\n".join(["Pooled dose-response across studies", *format_spline(res, unit)])  # type: ignore[arg-type]
    out = [f"Pooled dose-response across studies, by {getattr(res, 'by', '')}"]
    for key, r in results.items():
        out += ["", f"{key}:", *format_spline(r, unit)]
    skipped = getattr(res, "skipped", {})
    if skipped:
        out += ["", "Not fitted:"] + [line for k, why in skipped.items() for line in _wrap(f"- {k}: {why}", "  ")]
    return "\n".join(out)
