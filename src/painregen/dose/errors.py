"""Errors raised by the dose-response core."""

from __future__ import annotations


class DoseInputError(ValueError):
    """Input that the dose-response methods cannot use (one dose level, a negative dose, a missing SE, ...).

    The message says what is wrong and how to fix it; the CLI prints it as an invalid-data error.
    """
