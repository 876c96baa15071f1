"""Errors raised by the dose-response core.

Every exception the dose API raises on purpose derives from :class:`DoseError`, so a caller that must never fail
(a report section, a web page) can write ``except DoseError as exc: show(exc.note)``.  Both kinds are also
``ValueError`` for callers that already catch that.

* :class:`DoseInputError`: the input cannot be used (one dose level, a negative dose, a missing SE, ...);
  the CLI prints it as an invalid-data error (exit 1).
* :class:`DoseFitError`: a model could not be fitted even after the fall-backs (fewer studies than a
  two-stage model needs, an Emax profile that converged nowhere, ...); the report shows its ``note`` in place
  of the section's numbers.

Numerical trouble that has a fall-back (a random-effects fit that does not converge, one candidate model of
MCP-Mod that cannot be fitted, a bootstrap replicate that fails) is not raised: the result carries a note.
"""

from __future__ import annotations


class DoseError(ValueError):
    """Base of the dose-response errors; ``note`` is one sentence fit for a report."""

    @property
    def note(self) -> str:
        return str(self) or type(self).__name__


class DoseInputError(DoseError):
    """Input that the dose-response methods cannot use (one dose level, a negative dose, a missing SE, ...).

    The message says what is wrong and how to fix it; the CLI prints it as an invalid-data error.
    """


class DoseFitError(DoseError):
    """A dose-response model that could not be fitted, after every fall-back; the message says why."""
