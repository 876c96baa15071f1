"""Repeated-measures power defaults to the summary-measure t test and says so (issue 12 item 11): the normal
formula overstates power at animal-study sizes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from painregen.cli.main import app
from painregen.design import repeated_power


def test_default_is_the_t_method_and_the_result_says_so() -> None:
    t = repeated_power(1.0, 4, 0.6, n=8)
    z = repeated_power(1.0, 4, 0.6, n=8, method="z")
    assert t.method == "t" and t.note.startswith("method t (the default)")
    assert z.note.startswith("method z") and "overstates" in z.note
    # the normal formula overstates power at n = 8 (tests/test_design_power.py checks t against simulation)
    assert z.power > t.power + 0.05
    assert t.to_dict()["note"] == t.note


def test_cli_prints_the_method_note() -> None:
    result = CliRunner().invoke(app, ["power", "repeated", "--d", "1", "--m", "4", "--rho", "0.6", "--n", "8",
                                      "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["method"] == "t" and out["note"].startswith("method t (the default)")
