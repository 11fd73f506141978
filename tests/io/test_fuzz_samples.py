"""Seeded fuzzing of the text readers on the real sample files: every mutant opens or raises the io error; and
the large-JSON block reader agrees with ``json`` on mutants of random sequences.

For each text family (comma and semicolon tables, JSON through ``json`` and through the large-file block reader,
plain text), CASES_PER_FILE mutants of every bundled sample of that family (bit flips, cuts, insertions of hostile
bytes, deletions, number edits; ``scripts/fuzz_files.py``'s mutations) go through :func:`load_sequence`. The only
allowed outcomes are a sequence or a one-line :class:`SequenceError` naming the file; any other exception or a
warning fails. The seeds are fixed, so a failure names a case that reproduces.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from lstmviz.io import seq_json, seq_json_numbers
from lstmviz.io.bundled import sample_sequence
from lstmviz.io.errors import SequenceError
from lstmviz.io.seq_json import load_json
from lstmviz.io.sequences import load_sequence

CASES_PER_FILE = 60
FAMILIES = {
    "csv": ["copy_task.csv", "monthly_passengers.csv", "sensor_gaps.csv", "sine.csv", "temperature_anomaly.csv"],
    "csv-semicolon": ["wetter_semikolon.csv"],
    "json": ["adding_problem.json"],
    "json-blocks": ["adding_problem.json"],
    "txt": ["gates.txt"],
}
"""5 x 60 + 60 + 60 + 60 + 60 = 540 cases per test run."""
MISSING = {"sensor_gaps.csv": "interpolate"}
"""Samples with gaps are read with gaps filled, so mutants get past the missing-value check to the rest."""

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fuzz_files.py"


def _fuzz_files() -> object:
    """The mutation script, loaded once (the same module test_fuzz_files.py uses)."""
    if "fuzz_files" not in sys.modules:
        spec = importlib.util.spec_from_file_location("fuzz_files", _SCRIPT)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["fuzz_files"] = module
        spec.loader.exec_module(module)
    return sys.modules["fuzz_files"]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_mutated_samples_open_or_raise_the_io_error(
    family: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fuzz_files = _fuzz_files()
    if family == "json-blocks":  # every file through the block reader, with blocks small enough to split often
        monkeypatch.setattr(seq_json, "SMALL_JSON_BYTES", 0)
        monkeypatch.setattr(seq_json_numbers, "MIN_RUN", 8)
        monkeypatch.setattr(seq_json_numbers, "BLOCK", 256)
    suffix = family.split("-")[0]
    findings: list[str] = []
    outcomes = {"accepted": 0, "refused": 0}
    for name in FAMILIES[family]:
        loader = functools.partial(load_sequence, missing=MISSING.get(name, "error"))
        monkeypatch.setattr(fuzz_files, "_loader", lambda fmt, loader=loader: loader)
        original = sample_sequence(name).read_bytes()
        assert fuzz_files.run_case(suffix, original, tmp_path).kind == "accepted"  # type: ignore[attr-defined]
        rng = random.Random(f"lstmviz-sample-{family}-{name}")
        for k in range(CASES_PER_FILE):
            mutant = fuzz_files.mutate(suffix, original, rng)  # type: ignore[attr-defined]
            outcome = fuzz_files.run_case(suffix, mutant, tmp_path, slow=math.inf)  # type: ignore[attr-defined]
            if outcome.kind == "finding":
                findings.append(f"{name} case {k}: {outcome.detail}")
            else:
                outcomes[outcome.kind] += 1
    assert not findings, "\n".join(findings[:5])
    assert outcomes["refused"] >= len(FAMILIES[family]) * CASES_PER_FILE // 10 or family == "txt", outcomes


AGREEMENT_CASES = 300


def test_the_block_reader_agrees_with_json_on_mutants(monkeypatch: pytest.MonkeyPatch) -> None:
    """AGREEMENT_CASES seeded mutants of random JSON sequences, read by ``json`` and by the large-file block reader
    (blocks shrunk to 128 bytes): both accept with the same numbers, or both refuse."""
    fuzz_files = _fuzz_files()
    rng = random.Random("lstmviz-json-agreement")

    def read(data: bytes, small: bool) -> tuple[str, object]:
        monkeypatch.setattr(seq_json, "SMALL_JSON_BYTES", 1 << 20 if small else 0)
        monkeypatch.setattr(seq_json_numbers, "MIN_RUN", 4096 if small else rng.choice([2, 4, 8]))
        monkeypatch.setattr(seq_json_numbers, "BLOCK", 1 << 20 if small else 128)
        try:
            values = load_json(data, "m.json", missing="ffill").values
        except SequenceError as error:
            assert str(error).startswith("m.json: ") and "\n" not in str(error)
            return "refused", str(error)
        return "accepted", (values.shape, np.nan_to_num(values, nan=1e300).tobytes())

    disagreements = []
    for k in range(AGREEMENT_CASES):
        width = rng.randint(1, 4)
        rows = [
            [rng.choice([None, rng.uniform(-1e6, 1e6), rng.randint(-99, 99)]) for _ in range(width)]
            for _ in range(rng.randint(1, 20))
        ]
        document: object = [row[0] for row in rows] if rng.random() < 0.4 else rows
        if rng.random() < 0.5:
            document = {"x": document, "t": list(range(len(rows))) if rng.random() < 0.5 else None}
        text = json.dumps(document, indent=rng.choice([None, 1])).encode()
        mutant = fuzz_files.mutate("json", text, rng) if rng.random() < 0.8 else text  # type: ignore[attr-defined]
        small, large = read(mutant, True), read(mutant, False)
        if small[0] != large[0] or (small[0] == "accepted" and small != large):
            disagreements.append(f"case {k}: {small[0]} / {large[0]} {large[1] if large[0] == 'refused' else ''}")
    assert not disagreements, "\n".join(disagreements[:5])
