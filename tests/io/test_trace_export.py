"""Trace and gradient export: files read back with np.load and the csv module equal the engine's arrays exactly."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.io.errors import ExportError
from lstmviz.io.export import export_gradients, export_trace, trace_columns
from lstmviz.io.sequence_data import SequenceData


@pytest.fixture(scope="module")
def lstm_case():
    network = Network.random("lstm", 2, 3, 2, seed=4, output_size=2)
    values = np.random.default_rng(0).standard_normal((9, 2))
    sequence = SequenceData(values, time=np.arange(2000.0, 2009.0), time_label="year", input_labels=("price", "volume"))
    return network, sequence, network.run(values)


def _read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def _column(header: list[str], rows: list[list[str]], name: str) -> np.ndarray:
    index = header.index(name)
    return np.array([float(row[index]) for row in rows])


def test_npz_holds_x_t_and_every_trace_key(tmp_path: Path, lstm_case) -> None:
    _, sequence, trace = lstm_case
    export_trace(trace, tmp_path / "t.npz", sequence)
    with np.load(tmp_path / "t.npz", allow_pickle=False) as data:
        assert set(data.files) == {"x", "t"} | set(trace)
        np.testing.assert_array_equal(data["t"], np.arange(2000.0, 2009.0))
        for key in trace:
            assert data[key].dtype == trace[key].dtype
            assert data[key].tobytes() == trace[key].tobytes(), key
    assert [p.name for p in tmp_path.iterdir()] == ["t.npz"]


def test_npz_without_sequence_uses_step_index(tmp_path: Path, lstm_case) -> None:
    _, _, trace = lstm_case
    export_trace(trace, tmp_path / "t.npz")
    with np.load(tmp_path / "t.npz") as data:
        np.testing.assert_array_equal(data["t"], np.arange(9))


def test_csv_columns_and_exact_values(tmp_path: Path, lstm_case) -> None:
    _, sequence, trace = lstm_case
    export_trace(trace, tmp_path / "t.csv", sequence)
    header, rows = _read_csv((tmp_path / "t.csv").read_text(encoding="utf-8"))
    assert header[:3] == ["year", "price", "volume"]
    expected_units = [f"{key}_{j}" for key in ("i_l0", "f_l0", "g_l0", "o_l0", "c_l0", "h_l0") for j in range(3)]
    assert header[3 : 3 + 18] == expected_units
    assert header[-2:] == ["y_0", "y_1"]
    assert header == trace_columns(trace, sequence)
    assert len(rows) == 9 and all(len(row) == len(header) for row in rows)
    assert [row[0] for row in rows] == [str(year) for year in range(2000, 2009)]
    np.testing.assert_array_equal(_column(header, rows, "volume"), sequence.values[:, 1])
    for key in trace:
        if key == "x":
            continue
        for j in range(trace[key].shape[1]):
            got = _column(header, rows, f"{key}_{j}")
            assert got.tobytes() == np.ascontiguousarray(trace[key][:, j]).tobytes(), f"{key}_{j}"


def test_csv_to_text_and_binary_streams(lstm_case) -> None:
    _, _, trace = lstm_case
    text = io.StringIO()
    export_trace(trace, "-", stream=text)
    binary = io.BytesIO()
    export_trace(trace, "-", stream=binary)
    assert binary.getvalue().decode("utf-8") == text.getvalue()
    header, rows = _read_csv(text.getvalue())
    assert header[:3] == ["step", "x0", "x1"] and len(rows) == 9


def test_float32_values_read_back_exactly(tmp_path: Path) -> None:
    network = Network.random("gru", 1, 4, seed=1, dtype=np.float32)
    trace = network.run(np.sin(np.arange(30.0) / 3))
    export_trace(trace, tmp_path / "t.csv")
    header, rows = _read_csv((tmp_path / "t.csv").read_text())
    assert header[:2] == ["step", "x"]
    for j in range(4):
        np.testing.assert_array_equal(_column(header, rows, f"n_l0_{j}").astype(np.float32), trace["n_l0"][:, j])


def test_awkward_labels_become_distinct_readable_columns(tmp_path: Path) -> None:
    network = Network.random("rnn", 4, 1, seed=0)
    sequence = SequenceData(np.eye(4)[[0, 1, 2, 3, 0]], input_labels=("\n", ",", "h_l0_0", "step"), time_label="step")
    export_trace(network.run(sequence.values), tmp_path / "t.csv", sequence)
    header, rows = _read_csv((tmp_path / "t.csv").read_text())
    assert header == ["step", "\\n", ",", "h_l0_0", "step_2", "h_l0_0_2"]
    assert len(set(header)) == len(header)
    np.testing.assert_array_equal(_column(header, rows, ","), [0, 1, 0, 0, 0])


def test_gradients_npz_keeps_everything(tmp_path: Path) -> None:
    network = Network.random("lstm", 1, 2, seed=0)
    x = np.linspace(-1, 1, 8)
    grads = network.bptt(x, loss="h-last-sum")
    export_gradients(grads, tmp_path / "g.npz")
    with np.load(tmp_path / "g.npz") as data:
        assert set(data.files) == set(grads)
        for key in grads:
            assert data[key].tobytes() == np.asarray(grads[key]).tobytes(), key
        assert data["loss"].shape == ()


def test_gradients_csv_has_per_step_arrays_only(tmp_path: Path) -> None:
    """A parameter gradient whose first dimension happens to equal T must still stay out of the CSV."""
    steps, hidden = 8, 2  # LSTM: G*H = 8 rows = T
    network = Network.random("lstm", 1, hidden, seed=0)
    grads = network.bptt(np.linspace(-1, 1, steps), loss="h-last-sum")
    assert grads["grad_weight_hh_l0"].shape[0] == steps
    export_gradients(grads, tmp_path / "g.csv")
    header, rows = _read_csv((tmp_path / "g.csv").read_text())
    assert header[0] == "step" and len(rows) == steps
    assert not any(name.startswith(("grad_weight", "grad_bias", "loss", "clip_scale")) for name in header)
    assert "grad_norm_h_l0" in header and "grad_h_l0_1" in header
    np.testing.assert_array_equal(_column(header, rows, "grad_norm_h_l0"), grads["grad_norm_h_l0"])
    np.testing.assert_array_equal(_column(header, rows, "grad_h_l0_1"), grads["grad_h_l0"][:, 1])


def test_gradients_plain_mapping_and_stdout_stream() -> None:
    grads = {"loss": np.array(1.5), "grad_weight_ih_l0": np.ones((3, 1)), "grad_norm_h_l0": np.array([0.25, 0.5, 1.0])}
    out = io.StringIO()
    export_gradients(grads, "-", stream=out)
    assert out.getvalue() == "step,grad_norm_h_l0\n0,0.25\n1,0.5\n2,1.0\n"


@pytest.mark.parametrize("name, message", [("t.xlsx", "use .npz or .csv"), ("missing/dir/t.csv", "cannot be written")])
def test_export_errors_name_the_file(tmp_path: Path, lstm_case, name: str, message: str) -> None:
    _, _, trace = lstm_case
    path = tmp_path / name
    with pytest.raises(ExportError, match=message) as info:
        export_trace(trace, path)
    assert str(info.value).startswith(str(path) + ":")


def test_sequence_of_other_length_is_refused_and_nothing_written(tmp_path: Path, lstm_case) -> None:
    _, _, trace = lstm_case
    short = SequenceData(np.zeros((3, 2)))
    for suffix in (".csv", ".npz"):
        with pytest.raises(ExportError, match="3 steps but the trace has 9"):
            export_trace(trace, tmp_path / f"t{suffix}", short)
    assert list(tmp_path.iterdir()) == []
