"""Small text/HTML helpers shared by the result classes."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def num(x: float | None, digits: int = 4) -> str:
    """Format a number compactly (None/NaN -> 'NA')."""
    if x is None:
        return "NA"
    xf = float(x)
    if not np.isfinite(xf):
        return "NA"
    if xf != 0.0 and (abs(xf) < 1e-3 or abs(xf) >= 1e6):
        return f"{xf:.{digits}g}" if abs(xf) >= 1e6 else f"{xf:.{digits - 1}e}"
    return f"{xf:.{digits}f}"


def html_table(frame: pd.DataFrame, caption: str) -> str:
    """An HTML table with a caption (escaped)."""
    body = frame.to_html(float_format=num, border=0)
    return f"<div><p><strong>{html.escape(caption)}</strong></p>{body}</div>"
