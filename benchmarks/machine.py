"""What the benchmark ran on: cores, CPU, RAM (from /proc), load, Python, numpy/BLAS and peer versions."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import peers_py
from benchmarks.peers_r import RStatus


def _proc(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def numpy_blas() -> str:
    try:
        cfg: Any = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy without mode="dicts"
        return "unknown"


def describe(r: RStatus) -> dict[str, str]:
    """Key facts as display strings (ordered)."""
    mem = _proc("/proc/meminfo", "MemTotal")
    ram = f"{int(mem.split()[0]) / 1024**2:.1f} GiB" if mem else "n/a"
    info = {
        "CPU": _proc("/proc/cpuinfo", "model name") or platform.processor() or "n/a",
        "cores": str(os.cpu_count()),
        "RAM": ram,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "numpy": f"{np.__version__} ({numpy_blas()})",
        "scipy": peers_py.version("scipy") or "n/a",
        "painregen": peers_py.version("painregen") or "n/a",
        "PyMARE": peers_py.version("PyMARE") or "not installed",
        "statsmodels": peers_py.version("statsmodels") or "not installed",
        "R": r.r_version or "not found",
        "metafor": r.metafor_version or "not available",
        "DoseFinding": r.dosefinding_version or "not available",
        "R BLAS": r.blas or "n/a",
    }
    if os.environ.get("OPENBLAS_CORETYPE"):
        info["OPENBLAS_CORETYPE"] = os.environ["OPENBLAS_CORETYPE"]
    return info
