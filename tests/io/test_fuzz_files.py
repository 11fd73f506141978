"""Seeded mutations of small valid files of every format: each is accepted or refused with the io error, in time.

The mutations and the check live in ``scripts/fuzz_files.py`` (which runs the same for hours); this test runs a
few hundred fixed cases so a regression shows up in every test run.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fuzz_files.py"
_spec = importlib.util.spec_from_file_location("fuzz_files", _SCRIPT)
assert _spec is not None and _spec.loader is not None
fuzz_files = importlib.util.module_from_spec(_spec)
sys.modules["fuzz_files"] = fuzz_files
_spec.loader.exec_module(fuzz_files)

CASES_PER_FORMAT = 100


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return fuzz_files.valid_files(tmp_path_factory.mktemp("valid"))


@pytest.mark.parametrize("fmt", fuzz_files.FORMATS)
def test_valid_originals_are_accepted(originals: dict[str, bytes], fmt: str, tmp_path: Path) -> None:
    assert fuzz_files.run_case(fmt, originals[fmt], tmp_path).kind == "accepted"


@pytest.mark.parametrize("fmt", fuzz_files.FORMATS)
def test_mutants_are_accepted_or_refused(originals: dict[str, bytes], fmt: str, tmp_path: Path) -> None:
    rng = random.Random(f"lstmviz-{fmt}")
    findings, refused = [], 0
    for k in range(CASES_PER_FORMAT):
        mutant = fuzz_files.mutate(fmt, originals[fmt], rng)
        outcome = fuzz_files.run_case(fmt, mutant, tmp_path, slow=5.0)
        refused += outcome.kind == "refused"
        if outcome.kind == "finding":
            findings.append(f"case {k}: {outcome.detail}")
    assert not findings, "\n".join(findings[:5])
    assert refused >= CASES_PER_FORMAT // 4  # the mutations really break files


def test_header_edits_reach_the_header_checks(originals: dict[str, bytes], tmp_path: Path) -> None:
    """Edits of the safetensors header alone: refusals must come from the header checks, not just any error."""
    rng = random.Random(7)
    messages = []
    for _ in range(40):
        outcome = fuzz_files.run_case(
            "safetensors", fuzz_files._header_edit("safetensors", originals["safetensors"], rng), tmp_path
        )
        assert outcome.kind != "finding", outcome.detail
        messages.append(outcome.detail)
    assert any("safetensors header" in m for m in messages)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fmt=st.sampled_from(fuzz_files.FORMATS), prefix=st.integers(0, 64), junk=st.binary(max_size=256))
def test_property_any_prefix_plus_junk_is_accepted_or_refused(
    originals: dict[str, bytes], tmp_path: Path, fmt: str, prefix: int, junk: bytes
) -> None:
    """Hypothesis: the start of a valid file followed by arbitrary bytes never escapes the io error."""
    outcome = fuzz_files.run_case(fmt, originals[fmt][:prefix] + junk, tmp_path)
    assert outcome.kind != "finding", outcome.detail
