"""painregen.io.yamlfile: the fast safe loader gives what yaml.safe_load gives, and stays safe."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import painregen
from painregen.io.yamlfile import load_yaml

SHIPPED = sorted(Path(painregen.__file__).parent.rglob("*.yaml"))


def test_every_shipped_file_reads_as_safe_load_reads_it() -> None:
    assert len(SHIPPED) >= 10
    for path in SHIPPED:
        text = path.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.safe_load(text), path.name


def test_it_stays_safe_and_names_the_line() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['echo no']")
    with pytest.raises(yaml.YAMLError, match="line 2"):
        load_yaml("a: 1\nb: [2\n")
    assert load_yaml("") is None
    assert load_yaml("when: 2026-12-07\nn: 0x10\nx: .5\nflag: yes") == yaml.safe_load(
        "when: 2026-12-07\nn: 0x10\nx: .5\nflag: yes")
