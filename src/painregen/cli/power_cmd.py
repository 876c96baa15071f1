"""`painregen power ...`: power and sample size. Mounted by the main CLI as ``power``; other stages add commands
(``power mct`` from the dose engine) to the same :data:`app`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from painregen.cli.common import EXIT_USAGE, console, fail, print_json

app = typer.Typer(no_args_is_help=True, help="Power and sample size (t tests, Welch, Dunnett, repeated measures, "
                  "assurance from a meta-analysis).")

F = TypeVar("F", bound=Callable[..., Any])
ALPHA = typer.Option(0.05, "--alpha", help="Significance level.")
ALT = typer.Option("two.sided", "--alternative", help="two.sided, greater or less.")
JSON = typer.Option(False, "--json", help="Print one JSON object.")


def usage_errors(func: F) -> F:
    """Invalid settings (ValueError from the design core) -> exit 2 with the message."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValueError as exc:
            fail(str(exc), EXIT_USAGE)

    return wrapper  # type: ignore[return-value]


def _out(data: dict[str, Any], as_json: bool, headline: str) -> None:
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{headline}[/]")
    for k, v in data.items():
        console.print(f"  {k}: {v:.6g}" if isinstance(v, float) else f"  {k}: {v}", highlight=False)


def _with_allowance(out: dict[str, Any], n_exact: float, nonnormal: str, attrition: float) -> dict[str, Any]:
    from painregen.design import allow

    if nonnormal != "none" or attrition:
        a = allow(n_exact, nonnormal, attrition)
        out.update(nonnormal=nonnormal, are=a.are, attrition=attrition, n_analysed=a.n_analysed,
                   n_randomised=a.n_randomised)
    return out


def _floats(text: str | None) -> list[float] | None:
    return None if not text else [float(x) for x in text.split(",") if x.strip()]


@app.command("ttest")
@usage_errors
def ttest_command(
    d: float | None = typer.Option(None, "--d", help="Cohen's d (standardised mean difference)."),
    power: float | None = typer.Option(None, "--power", help="Target power (give two of --d, --power, --n)."),
    n: float | None = typer.Option(None, "--n", help="Animals per group (or pairs)."),
    alpha: float = ALPHA,
    type: str = typer.Option("two.sample", "--type", help="two.sample, one.sample or paired."),
    alternative: str = ALT,
    nonnormal: str = typer.Option("none", "--nonnormal", help="Rank-test allowance: none, normal, uniform, "
                                  "logistic, laplace, worst (n / 0.864)."),
    attrition: float = typer.Option(0.0, "--attrition", help="Expected fraction of animals lost, e.g. 0.1."),
    json_out: bool = JSON,
) -> None:
    """t-test power or sample size, as R pwr.t.test (n_per_group = ceiling of the exact n)."""
    from painregen.design import pwr_t_test

    res = pwr_t_test(n=n, d=d, sig_level=alpha, power=power, type=type, alternative=alternative)
    out = res.to_dict()
    out["alpha"] = alpha
    out["power_at_n_per_group"] = pwr_t_test(n=res.n_per_group, d=res.d, sig_level=alpha, type=type,
                                             alternative=alternative).power
    _out(_with_allowance(out, res.n, nonnormal, attrition), json_out, "t test (pwr.t.test)")


@app.command("t2n")
@usage_errors
def t2n_command(
    n1: float | None = typer.Option(None, "--n1"), n2: float | None = typer.Option(None, "--n2"),
    d: float | None = typer.Option(None, "--d"), power: float | None = typer.Option(None, "--power"),
    alpha: float = ALPHA, alternative: str = ALT, json_out: bool = JSON,
) -> None:
    """Two groups of different sizes, as R pwr.t2n.test (give three of --n1, --n2, --d, --power)."""
    from painregen.design import pwr_t2n_test

    res = pwr_t2n_test(n1=n1, n2=n2, d=d, sig_level=alpha, power=power, alternative=alternative)
    _out(res.to_dict() | {"n1": res.n}, json_out, "t test, unequal groups (pwr.t2n.test)")


@app.command("welch")
@usage_errors
def welch_command(
    delta: float = typer.Option(..., "--delta", help="Mean difference (outcome units)."),
    sd1: float = typer.Option(..., "--sd1", help="SD of group 1 (control)."),
    sd2: float = typer.Option(..., "--sd2", help="SD of group 2 (treated)."),
    power: float | None = typer.Option(None, "--power", help="Target power (or give --n1 and --n2)."),
    n1: float | None = typer.Option(None, "--n1"), n2: float | None = typer.Option(None, "--n2"),
    ratio: float | None = typer.Option(None, "--ratio", help="n2 / n1 when solving (default sd2 / sd1)."),
    exact: bool = typer.Option(False, "--exact", help="Exact power by integration (whole n1, n2)."),
    alpha: float = ALPHA, alternative: str = ALT, json_out: bool = JSON,
) -> None:
    """Welch's unequal-variance t test: power at n1, n2 or n1, n2 for a target power."""
    from painregen.design import welch_power, welch_sample_size

    if power is not None:
        res = welch_sample_size(delta, sd1, sd2, power, alpha, ratio, alternative)
        n1_, n2_ = res.n_per_group
        out = res.to_dict()
        out["power_exact_at_ceiling"] = welch_power(delta, sd1, sd2, n1_, n2_, alpha, alternative, "exact").power
    elif n1 is not None and n2 is not None:
        out = welch_power(delta, sd1, sd2, n1, n2, alpha, alternative, "exact" if exact else "satterthwaite").to_dict()
    else:
        raise ValueError("give --power, or both --n1 and --n2")
    _out(out, json_out, "Welch t test")


@app.command("dunnett")
@usage_errors
def dunnett_command(
    k: int = typer.Option(..., "--k", help="Number of treated groups sharing one control."),
    d: str = typer.Option(..., "--d", help="Standardised effect of each treated group (one value, or k values)."),
    power: float | None = typer.Option(None, "--power", help="Target power (or give --n)."),
    n: float | None = typer.Option(None, "--n", help="Animals per treated group."),
    n0: float | None = typer.Option(None, "--n0", help="Control animals (default ratio x n)."),
    ratio: float | None = typer.Option(None, "--ratio", help="Control / treated size (default sqrt(k))."),
    target: str = typer.Option("each", "--target", help="Power of: each comparison, all, or any."),
    alpha: float = ALPHA,
    alternative: str = typer.Option("greater", "--alternative", help="greater or two.sided."),
    json_out: bool = JSON,
) -> None:
    """Many-to-one comparisons with a shared control (Dunnett 1955): power or n per treated group."""
    import math

    from painregen.design import dunnett_power, dunnett_sample_size

    ds = _floats(d) or []
    if len(ds) not in (1, k):
        raise ValueError(f"--d needs one value or {k} values (one per treated group); got {len(ds)}")
    r = math.sqrt(k) if ratio is None else ratio
    if power is not None:
        if len(set(ds)) != 1:
            raise ValueError("solving for n needs one --d for all groups")
        n_exact, res = dunnett_sample_size(k, ds[0], power, alpha, alternative, r, target)
        out = res.to_dict() | {"n_exact": n_exact, "n_per_group": int(res.n[0]), "n_control": int(res.n0)}
    elif n is not None:
        out = dunnett_power([n] * k, r * n if n0 is None else n0, ds if len(ds) > 1 else ds[0], alpha,
                            alternative).to_dict()
    else:
        raise ValueError("give --power or --n")
    _out(out, json_out, "Dunnett many-to-one comparisons")


@app.command("repeated")
@usage_errors
def repeated_command(
    d: float = typer.Option(..., "--d", help="Standardised effect (mean difference, or slope difference per time)."),
    m: int = typer.Option(..., "--m", help="Number of timepoints."),
    rho: float = typer.Option(..., "--rho", help="Correlation between timepoints (compound symmetry)."),
    power: float | None = typer.Option(None, "--power"), n: float | None = typer.Option(None, "--n"),
    kind: str = typer.Option("mean", "--kind", help="mean (time-averaged) or slope (group x time)."),
    times: str | None = typer.Option(None, "--times", help="Timepoints for --kind slope, e.g. 0,7,14,28."),
    baselines: int = typer.Option(0, "--baselines", help="Baseline measurements used in ANCOVA (method z)."),
    method: str = typer.Option("t", "--method", help="t (summary-measure t test) or z (Diggle et al. formula)."),
    alpha: float = ALPHA, alternative: str = ALT, json_out: bool = JSON,
) -> None:
    """Repeated measures over time with compound symmetry: power or n per group."""
    from painregen.design import repeated_power

    res = repeated_power(d, m, rho, n=n, power=power, sig_level=alpha, kind=kind, times=_floats(times),
                         baselines=baselines, method=method, alternative=alternative)
    _out(res.to_dict(), json_out, "Repeated measures")


@app.command("assurance")
@usage_errors
def assurance_command(
    mu: float | None = typer.Option(None, "--mu", help="Pooled standardised effect of earlier studies."),
    se: float | None = typer.Option(None, "--se", help="Its standard error."),
    tau: float | None = typer.Option(None, "--tau", help="Between-study SD."),
    from_db: str | None = typer.Option(None, "--from-db", help="Take mu, se, tau from this registry's pooled SMD."),
    domain: str = typer.Option("evoked", "--domain", help="Outcome domain pooled with --from-db."),
    n: float | None = typer.Option(None, "--n", help="Animals per group (or give --power)."),
    power: float | None = typer.Option(None, "--power", help="Target assurance."),
    alpha: float = ALPHA, type: str = typer.Option("two.sample", "--type"), alternative: str = ALT,
    any_direction: bool = typer.Option(False, "--any-direction", help="Count significance in either direction."),
    json_out: bool = JSON,
) -> None:
    """Assurance: power averaged over the meta-analytic predictive distribution (O'Hagan et al. 2005)."""
    from painregen.design import assurance

    source: dict[str, Any] = {}
    if from_db is not None:
        mu, se, tau, source = _pooled(from_db, domain)
    if mu is None or se is None or tau is None:
        raise ValueError("give --mu, --se and --tau, or --from-db")
    res = assurance(mu, se, tau, n=n, target=power, sig_level=alpha, type=type, alternative=alternative,
                    directional=not any_direction)
    _out(res.to_dict() | source, json_out, "Assurance")


def _pooled(db: str, domain: str) -> tuple[float, float, float, dict[str, Any]]:
    """mu, se, tau of the report pipeline's random-effects SMD for one outcome domain of a registry."""
    from pathlib import Path

    from painregen.registry import RegistryError, open_registry
    from painregen.report.pipeline import run_analysis

    if "://" not in db and not Path(db).exists():
        fail(f"no registry at {db}")
    try:
        with open_registry(db, create=False) as reg:
            ds = reg.export_dataset()
    except RegistryError as exc:
        fail(str(exc))
    analysis = run_analysis(ds)
    found = {s.domain: s for s in analysis.domains}
    syn = found.get(domain)
    if syn is None or syn.result is None:
        pooled = sorted(k for k, s in found.items() if s.result is not None)
        why = "is absent" if syn is None else f"has {syn.k} comparison(s) only"
        fail(f"domain {domain!r} {why} in {db}; pooled domains: {', '.join(pooled) or 'none'}")
    res = syn.result
    return (float(res.b[0]), float(res.se[0]), float(res.tau), {
        "source": {"db": db, "domain": domain, "k": syn.k, "n_studies": syn.n_studies, "measure": analysis.measure,
                   "method": analysis.method}})


def _mount_mct() -> None:
    from painregen.cli.dose_cmd import power_mct_command

    app.command("mct")(power_mct_command)


_mount_mct()
