"""R metafor and DoseFinding as peers: write a small R script, run it with ``Rscript`` and read back the timings.

Only the model call is timed, inside R with ``system.time`` (R start-up, package loading and reading
the CSV are not). The script prints ``name value value ...`` lines with 17 significant digits.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.timing import Timing

_VERSIONS = r"""
ok <- requireNamespace("metafor", quietly = TRUE)
cat("R", R.version$major, R.version$minor, "\n")
cat("metafor", if (ok) as.character(packageVersion("metafor")) else "missing", "\n")
cat("blas", basename(extSoftVersion()[["BLAS"]]), "\n")
df_ok <- requireNamespace("DoseFinding", quietly = TRUE)
cat("DoseFinding", if (df_ok) as.character(packageVersion("DoseFinding")) else "missing", "\n")
"""

_TEMPLATE = r"""
suppressPackageStartupMessages(library(metafor))
d <- read.csv("{csv}")
out <- function(name, x) cat(name, sprintf("%.17g", as.vector(x)), "\n")
{setup}
el <- c()
cpu <- c()
for (i in seq_len({repeats})) {{
  invisible(gc())
  tm <- system.time(fit <- {call})
  el <- c(el, tm[["elapsed"]])
  cpu <- c(cpu, tm[["user.self"]] + tm[["sys.self"]])
  if (sum(el) > {budget}) break
}}
out("elapsed", el)
out("cpu", cpu)
{extract}
"""


@dataclass(frozen=True)
class RStatus:
    """Whether Rscript and metafor are usable (and DoseFinding's version, None when it is missing), with the
    versions for the results file."""

    available: bool
    note: str
    r_version: str | None = None
    metafor_version: str | None = None
    blas: str | None = None
    dosefinding_version: str | None = None


@dataclass(frozen=True)
class RRun:
    """Timing of one metafor call and the values it printed (``tau2``, ``b``, ``sigma2``, ``pval``)."""

    timing: Timing | None
    values: dict[str, np.ndarray] = field(default_factory=dict)
    cpu: tuple[float, ...] = ()
    error: str | None = None


def r_status() -> RStatus:
    """Detect Rscript and metafor; never raises."""
    exe = shutil.which("Rscript")
    if exe is None:
        return RStatus(False, "Rscript not found: metafor skipped")
    try:
        proc = subprocess.run([exe, "-e", _VERSIONS], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return RStatus(False, f"Rscript failed to start ({exc}): metafor skipped")
    info = {line.split()[0]: line.split()[1:] for line in proc.stdout.splitlines() if line.split()}
    r_version = ".".join(info.get("R", [])) or None
    metafor = (info.get("metafor") or ["missing"])[0]
    blas_parts = info.get("blas")
    blas = blas_parts[0] if blas_parts else None
    dosefinding = (info.get("DoseFinding") or ["missing"])[0]
    df_version = None if dosefinding == "missing" else dosefinding
    if metafor == "missing" or proc.returncode != 0:
        return RStatus(False, "R package metafor not installed: metafor skipped", r_version, None, blas, df_version)
    return RStatus(True, "", r_version, metafor, blas, df_version)


def rma_call(n_mods: int) -> str:
    """metafor ``rma`` (REML) with moderators x1..xn read from the CSV."""
    mods = "" if n_mods == 0 else ", mods = ~ " + " + ".join(f"x{j + 1}" for j in range(n_mods))
    return f'rma(yi, vi{mods}, data = d, method = "REML")'


RMA_MV_CALL = 'rma.mv(yi, vi, random = ~ 1 | study/experiment, data = d, method = "REML", sparse = TRUE)'
EXTRACT_RMA = 'out("tau2", fit$tau2)\nout("b", coef(fit))'
EXTRACT_MV = 'out("sigma2", fit$sigma2)\nout("b", coef(fit))'


def run_r(
    call: str,
    csv: Path,
    *,
    setup: str = "",
    extract: str = EXTRACT_RMA,
    repeats: int = 3,
    budget: float = 20.0,
    timeout: float = 600.0,
) -> RRun:
    """Time ``fit <- call`` in R on the data in ``csv`` (up to ``repeats`` runs, fewer past ``budget`` s)."""
    script = _TEMPLATE.format(
        csv=csv.as_posix(), setup=setup, call=call, repeats=repeats, budget=budget, extract=extract
    )
    path = csv.with_suffix(".R")
    path.write_text(script)
    try:
        proc = subprocess.run(
            ["Rscript", str(path)], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return RRun(None, error=f"metafor did not finish within {timeout:.0f} s")
    if proc.returncode != 0:
        tail = " ".join(proc.stderr.strip().splitlines()[-2:])
        return RRun(None, error=f"Rscript failed: {tail}")
    values: dict[str, np.ndarray] = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            try:
                values[parts[0]] = np.array([float(x) for x in parts[1:]])
            except ValueError:
                continue
    runs = tuple(float(x) for x in values.pop("elapsed", np.array([])))
    cpu = tuple(float(x) for x in values.pop("cpu", np.array([])))
    if not runs:
        return RRun(None, error="Rscript printed no timings")
    return RRun(Timing(float(np.median(runs)), runs), values, cpu)
