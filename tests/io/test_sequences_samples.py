"""The sample sequences shipped in resources/sequences load as their names promise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstmviz.io.sequences import load_sequence

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "sequences"


def test_every_sample_loads() -> None:
    files = [p for p in SAMPLES.iterdir() if p.suffix != ".py"]
    assert len(files) >= 8
    for path in files:
        missing = "interpolate" if path.name == "sensor_gaps.csv" else "error"
        seq = load_sequence(path, missing=missing)
        assert seq.steps > 10 and np.isfinite(seq.values).all()


@pytest.mark.parametrize(
    "name, time_label, first_time, labels",
    [
        ("temperature_anomaly.csv", "year", 1880.0, ("anomaly",)),
        ("monthly_passengers.csv", "Month (year)", 1949.0, ("Passengers",)),
        ("wetter_semikolon.csv", "Datum (year)", 2024.0, ("Temperatur", "Luftfeuchte")),
        ("sine.csv", "time (s)", 0.0, ("sin", "cos")),
    ],
)
def test_samples_with_a_time_axis(name: str, time_label: str, first_time: float, labels: tuple[str, ...]) -> None:
    seq = load_sequence(SAMPLES / name)
    assert seq.time_label == time_label and seq.input_labels == labels
    assert seq.time is not None and seq.time[0] == first_time


def test_text_and_array_samples() -> None:
    text = load_sequence(SAMPLES / "gates.txt")
    assert text.text is not None and text.text.startswith("A recurrent network")
    assert load_sequence(SAMPLES / "lorenz.npy").values.shape == (1000, 3)
