"""``lstmviz plot``, ``info``, ``generate``, ``screenshot`` and the app entry, in-process on tmp_path."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from lstmviz.cli import commands
from lstmviz.engine.network import Network


@pytest.fixture()
def years_csv(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    years = np.arange(1900, 1960)
    values = np.column_stack([np.sin(np.arange(60) / 5.0), np.linspace(-2.0, 3.0, 60)])
    path = tmp_path / "climate.csv"
    rows = "".join(f"{y},{a!r},{b!r}\n" for y, (a, b) in zip(years.tolist(), values.tolist(), strict=True))
    path.write_text("year,temperature,rain\n" + rows, encoding="utf-8")
    return path, years, values


def test_plot_png_has_the_requested_pixel_size(cli, tmp_path: Path, years_csv) -> None:
    import matplotlib.image

    path, _, _ = years_csv
    out = tmp_path / "gates.png"
    result = cli(
        "plot",
        path,
        "--show",
        "all",
        "--units",
        "0,3",
        "--steps",
        "10:50",
        "--size",
        "800x1400",
        "--dpi",
        100,
        "--out",
        out,
    )
    assert result.code == 0, result.err
    image = matplotlib.image.imread(out)
    assert image.shape[:2] == (1400, 800)
    assert 0.05 < image[..., :3].std() < 0.5  # a drawn figure, not a blank page


@pytest.mark.parametrize("suffix", ["svg", "pdf"])
def test_plot_vector_formats_carry_real_text(cli, tmp_path: Path, years_csv, suffix: str) -> None:
    path, _, _ = years_csv
    out = tmp_path / f"cell.{suffix}"
    assert cli("plot", path, "--cell", "lstm", "--hidden", 6, "--show", "cell", "--out", out).code == 0
    data = out.read_bytes()
    if suffix == "svg":
        text = data.decode("utf-8")
        assert "cell state" in text and "climate.csv" in text and "year" in text and "<text" in text
    else:
        assert data.startswith(b"%PDF") and b"/FontFile2" in data


def test_plot_grad_and_workspace_defaults(cli, tmp_path: Path, years_csv) -> None:
    path, _, values = years_csv
    assert cli("plot", path, "--show", "grad", "--loss", "unit", "--unit", 1, "--out", tmp_path / "g.png").code == 0
    from lstmviz.io.sequences import load_sequence
    from lstmviz.io.workspace import Workspace, save_workspace

    net = Network.random("gru", 2, 5, 2, seed=4)
    workspace = tmp_path / "session.lstmviz"
    save_workspace(Workspace(net, load_sequence(path), step=3, layer=1, selected_units=(1, 4)), workspace)
    assert cli("plot", workspace, "--out", tmp_path / "w.png").code == 0
    trace_out = tmp_path / "w.npz"
    assert cli("trace", workspace, "--out", trace_out).code == 0
    with np.load(trace_out) as written:
        np.testing.assert_allclose(written["h_l1"], net.run(values)["h_l1"], atol=1e-15)
    other = Network.random("rnn", 2, 3, seed=8)
    np.savez(tmp_path / "other.npz", **other.params)
    assert cli("trace", workspace, "--weights", tmp_path / "other.npz", "--out", trace_out).code == 0
    with np.load(trace_out) as written:  # --weights overrides the workspace's network, the sequence stays
        np.testing.assert_allclose(written["h_l0"], other.run(values)["h_l0"], atol=1e-15)
        assert "h_l1" not in written.files
    described = json.loads(cli("info", workspace, "--json").out)
    assert described["kind"] == "workspace"
    assert (described["layer"], described["selected_units"], described["step"]) == (1, [1, 4], 3)
    assert (described["network"]["cell"], described["network"]["num_layers"]) == ("gru", 2)
    assert described["sequence"]["time_axis"]["label"] == "year"
    human = cli("info", workspace)
    assert "workspace" in human.out and "selected units 1, 4" in human.out


def test_plot_refuses_what_it_cannot_draw(cli, tmp_path: Path, years_csv, one_line_error) -> None:
    path, _, _ = years_csv
    one_line_error(cli("plot", path, "--cell", "gru", "--show", "cell", "--out", tmp_path / "x.png"), "cell state")
    one_line_error(cli("plot", path, "--units", "0,99", "--out", tmp_path / "x.png"), "unit 99")
    one_line_error(cli("plot", path, "--layer", 3, "--out", tmp_path / "x.png"), "--layer")
    one_line_error(cli("plot", path, "--out", tmp_path / "x.gif"), "x.gif")
    assert cli("plot", path, "--steps", "ten", "--out", tmp_path / "x.png").code == 2
    assert cli("plot", path, "--size", "big", "--out", tmp_path / "x.png").code == 2
    assert not list(tmp_path.glob("x.*"))


def test_info_describes_a_sequence(cli, years_csv) -> None:
    path, years, values = years_csv
    human = cli("info", path)
    assert human.code == 0
    assert "60 steps x 2 inputs" in human.out and "year" in human.out and "temperature" in human.out
    result = cli("info", path, "--json")
    described = json.loads(result.out)
    assert described["kind"] == "sequence"
    seq = described["sequence"]
    assert (seq["steps"], seq["inputs"]) == (60, 2)
    assert seq["time_axis"]["label"] == "year"
    assert (seq["time_axis"]["first"], seq["time_axis"]["last"]) == (years[0], years[-1])
    assert seq["ranges"]["rain"]["min"] == pytest.approx(values[:, 1].min())
    assert seq["ranges"]["temperature"]["max"] == pytest.approx(values[:, 0].max())


def test_info_on_values_near_the_float_limit_prints_no_warning_and_the_right_mean(cli, tmp_path: Path) -> None:
    """Summing 1e308 twice overflows: NumPy's RuntimeWarning reached stderr on a success, and the mean was n/a."""
    path = tmp_path / "huge.csv"
    path.write_text("a,b\n1e308,1.5e308\n-1e308,1.5e308\n")
    result = cli("info", path, "--json")
    assert result.code == 0 and result.err == ""
    ranges = json.loads(result.out)["sequence"]["ranges"]
    assert ranges["a"]["mean"] == 0.0 and ranges["b"]["mean"] == pytest.approx(1.5e308)


def test_info_infers_cell_and_sizes_from_weight_shapes(cli, tmp_path: Path) -> None:
    weights = tmp_path / "model.npz"
    rng = np.random.default_rng(0)
    # A GRU (3 row blocks) with D=4, H=6 and two layers, written by hand in PyTorch's names.
    arrays = {}
    for layer, fan_in in ((0, 4), (1, 6)):
        arrays[f"gru.weight_ih_l{layer}"] = rng.normal(size=(18, fan_in))
        arrays[f"gru.weight_hh_l{layer}"] = rng.normal(size=(18, 6))
        arrays[f"gru.bias_ih_l{layer}"] = rng.normal(size=18)
        arrays[f"gru.bias_hh_l{layer}"] = rng.normal(size=18)
    np.savez(weights, **arrays)
    described = json.loads(cli("info", weights, "--json").out)
    net = described["network"]
    assert described["kind"] == "weights"
    assert (net["cell"], net["input_size"], net["hidden_size"], net["num_layers"]) == ("gru", 4, 6, 2)
    assert net["parameters"]["weight_hh_l1"]["shape"] == [18, 6]
    assert net["parameters"]["bias_ih_l0"]["max"] == pytest.approx(arrays["gru.bias_ih_l0"].max())
    human = cli("info", weights)
    assert human.code == 0 and "GRU" in human.out and "hidden 6" in human.out


def test_info_on_a_bad_file_is_one_line(cli, tmp_path: Path, one_line_error) -> None:
    bad = tmp_path / "junk.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    one_line_error(cli("info", bad), "junk.npz")
    one_line_error(cli("info", tmp_path / "none.csv"), "none.csv")


def test_generate_writes_the_generators_sequence(cli, tmp_path: Path) -> None:
    from lstmviz.io.generators import GENERATORS, generate
    from lstmviz.io.sequences import load_sequence

    listing = cli("generate", "--list")
    assert listing.code == 0
    for name in GENERATORS:
        assert name in listing.out
    out = tmp_path / "sine.csv"
    result = cli("generate", "sine", "--steps", 50, "--seed", 2, "--out", out)
    assert result.code == 0, result.err
    params = {k: v for k, v in (("steps", 50), ("seed", 2)) if k in GENERATORS["sine"].params}
    expected = generate("sine", **params)
    np.testing.assert_allclose(load_sequence(out).values, expected.values, rtol=1e-15)
    piped = cli("generate", "sine", "--steps", 5, "--out", "-")
    assert piped.code == 0 and len(piped.out.strip().splitlines()) == 6


def test_generate_params_are_typed_and_checked(cli, tmp_path: Path, one_line_error) -> None:
    from lstmviz.io.generators import GENERATORS

    defaults = GENERATORS["sine"].params
    numeric = next(name for name, value in defaults.items() if isinstance(value, float))
    assert cli("generate", "sine", "--param", f"{numeric}=0.25", "--out", tmp_path / "a.csv").code == 0
    one_line_error(cli("generate", "sine", "--param", f"{numeric}=lots", "--out", tmp_path / "b.csv"), numeric)
    one_line_error(cli("generate", "sine", "--param", "colour=blue", "--out", tmp_path / "b.csv"), "colour")
    one_line_error(cli("generate", "nonsense", "--out", tmp_path / "b.csv"), "nonsense")


def test_no_subcommand_starts_the_app_with_the_file(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[list[str]] = []
    monkeypatch.setattr(commands, "run_app", lambda files: opened.append(files) or 0)
    assert cli().code == 0
    assert cli("data.csv").code == 0
    assert cli("--max-file-mb", "5", "model.npz").code == 0
    assert opened == [[], ["data.csv"], ["model.npz"]]
    assert cli("tarce").code == 2  # a mistyped command is not opened as a file


def test_headless_commands_do_not_import_qt(tmp_path: Path) -> None:
    import subprocess

    code = (
        "import sys, numpy as np\n"
        "from lstmviz.cli.main import main\n"
        f"np.save(r'{tmp_path / 's.npy'}', np.zeros(5))\n"
        f"rc = main(['plot', r'{tmp_path / 's.npy'}', '--out', r'{tmp_path / 'p.png'}'])\n"
        "assert rc == 0, rc\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'matplotlib.pyplot'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_screenshot_calls_the_gui_renderer(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple] = []
    fake = types.ModuleType("lstmviz.gui.screenshot")

    def render_screenshot(out: str, files: list[str], step: int | None = None, **kw: object) -> None:
        calls.append((out, files, step, kw))

    fake.render_screenshot = render_screenshot  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lstmviz.gui.screenshot", fake)
    out = tmp_path / "shot.png"
    assert cli("screenshot", "--out", out, "data.csv", "--step", 4, "--size", "1200x800").code == 0
    assert calls == [(str(out), ["data.csv"], 4, {"size": (1200, 800)})]
    calls.clear()
    assert cli("screenshot", "model.pt", "--out", out, "data.csv", "--activation", "relu").code == 0
    assert calls == [(str(out), ["model.pt", "data.csv"], None, {"activations": {"nonlinearity": "relu"}})]
    calls.clear()
    assert cli("screenshot", "--out", out, "--view", "gradients").code == 0
    assert calls == [(str(out), [], None, {"view": "gradients"})]
    assert cli("screenshot", "--out", tmp_path / "shot.jpg").code == 2


def test_the_app_without_a_display_is_one_line_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from lstmviz.cli.errors import CommandError

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(CommandError, match="no display"):
        commands.run_app([])


def test_impossible_plots_are_refused_before_the_trace_runs(
    cli, tmp_path: Path, years_csv, one_line_error, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _, _ = years_csv
    runs: list[int] = []
    original = Network.run

    def counting(self: Network, x: object, *args: object, **kwargs: object) -> object:
        runs.append(len(np.atleast_1d(x)))
        return original(self, x, *args, **kwargs)

    monkeypatch.setattr(Network, "run", counting)
    one_line_error(cli("plot", path, "--cell", "rnn", "--show", "cell", "--out", tmp_path / "x.png"), "cell state")
    one_line_error(cli("plot", path, "--show", "", "--out", tmp_path / "x.png"), "--show")
    one_line_error(cli("plot", path, "--steps", "70:80", "--out", tmp_path / "x.png"), "selects no step")
    assert all(steps == 1 for steps in runs)  # only the one-step probe ran
    assert cli("plot", path, "--dpi", 5000, "--out", tmp_path / "x.png").code == 2
    one_line_error(
        cli("plot", path, "--show", "all", "--dpi", 1200, "--size", "20000x20000", "--out", tmp_path / "x.png"),
        "megapixels",
    )


@pytest.mark.skipif(sys.platform != "linux", reason="peak memory is read from /proc/self/status")
def test_info_on_a_long_sequence_without_a_time_axis_builds_no_axis(tmp_path: Path) -> None:
    """Steps 0..T-1 need no array: info built one (and its differences, and their sorted copy for the median),
    three times the values of a one-letter text over again."""
    import subprocess

    path = tmp_path / "long.txt"
    path.write_text("a" * (4 << 20))
    child = (
        "import sys\nfrom lstmviz.cli.main import main\nfrom lstmviz.io.sequences import load_sequence\n"
        "main(['info', sys.argv[1]]) if sys.argv[2] == 'info' else load_sequence(sys.argv[1])\n"
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')), file=sys.stderr)\n"
    )
    peaks = {}
    for what in ("load", "info"):
        done = subprocess.run(
            [sys.executable, "-c", child, str(path), what], capture_output=True, text=True, check=True, timeout=300
        )
        peaks[what] = int(done.stderr.split()[-1]) / 1024
    kept_mb = (4 << 20) * 8 / 2**20
    assert peaks["info"] - peaks["load"] < 0.5 * kept_mb, peaks
