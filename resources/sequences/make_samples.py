"""Re-create the sample sequences in this folder: ``python resources/sequences/make_samples.py``.

All data here is synthetic (made up to look like the real thing), so it can be shipped and changed freely.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstmviz.io.generators import generate
from lstmviz.io.sequences import save_sequence

HERE = Path(__file__).resolve().parent


def sine() -> None:
    """Two periods of a sine and a cosine, sampled every 0.05 s."""
    t = np.arange(200) * 0.05
    rows = "\n".join(f"{a:.2f},{np.sin(np.pi * a / 2.5):.6f},{np.cos(np.pi * a / 2.5):.6f}" for a in t)
    (HERE / "sine.csv").write_text("time (s),sin,cos\n" + rows + "\n", encoding="utf-8")


def temperature_anomaly() -> None:
    """Yearly global-temperature-anomaly-like series, 1880-2023: a slow rise, some wiggles, noise."""
    rng = np.random.default_rng(1880)
    years = np.arange(1880, 2024)
    x = (years - 1880) / 143
    anomaly = -0.25 + 0.15 * np.sin(2 * np.pi * (years - 1880) / 65) * (1 - x) + 1.35 * x**2.6
    anomaly += rng.normal(0, 0.08, len(years))
    rows = "\n".join(f"{y},{a:.2f}" for y, a in zip(years, anomaly, strict=True))
    (HERE / "temperature_anomaly.csv").write_text("year,anomaly\n" + rows + "\n", encoding="utf-8")


def monthly_passengers() -> None:
    """Airline-passengers-like monthly totals, 1949-1960: growth times a summer peak, as a spreadsheet exports
    it (UTF-8 BOM, CRLF line ends, quoted header)."""
    rng = np.random.default_rng(1949)
    months = np.arange(144)
    trend = 125 * np.exp(0.0105 * months)
    season = 1 + 0.18 * np.sin(2 * np.pi * (months - 3) / 12) + 0.06 * np.sin(4 * np.pi * (months - 1) / 12)
    counts = np.round(trend * season * rng.normal(1, 0.02, 144)).astype(int)
    rows = "\r\n".join(f"{1949 + m // 12}-{m % 12 + 1:02d},{c}" for m, c in zip(months, counts, strict=True))
    (HERE / "monthly_passengers.csv").write_bytes(
        b"\xef\xbb\xbf" + ('"Month","Passengers"\r\n' + rows + "\r\n").encode("utf-8")
    )


def european() -> None:
    """Daily weather as a German spreadsheet writes it: semicolons, decimal commas, ISO dates."""
    rng = np.random.default_rng(2024)
    days = np.arange("2024-01-01", "2024-04-01", dtype="datetime64[D]")
    doy = np.arange(len(days))
    temp = 1.5 + 8 * doy / len(days) + rng.normal(0, 2.2, len(days))
    humidity = 82 - 10 * doy / len(days) + rng.normal(0, 5, len(days))
    rows = "\n".join(
        f"{d};{t:.1f};{h:.1f}".replace(".", ",") for d, t, h in zip(days.astype(str), temp, humidity, strict=True)
    )
    (HERE / "wetter_semikolon.csv").write_text("Datum;Temperatur;Luftfeuchte\n" + rows + "\n", encoding="utf-8")


TEXT = """A recurrent network reads a sequence one step at a time.
At every step it mixes the new input with what it remembers,
and the gates decide how much of the old memory to keep.
Watch the forget gate close when a sentence ends.
"""


def lorenz() -> None:
    """1,000 steps of the Lorenz system (sigma 10, rho 28, beta 8/3), as a (1000, 3) array: chaos to predict."""
    dt, state = 0.01, np.array([1.0, 1.0, 1.0])
    out = np.empty((1000, 3))
    for k in range(1000):
        for _ in range(2):  # two Euler half-steps per sample, enough for a picture
            x, y, z = state
            state = state + dt / 2 * np.array([10 * (y - x), x * (28 - z) - y, x * y - 8 / 3 * z])
        out[k] = state
    np.save(HERE / "lorenz.npy", out / 10.0, allow_pickle=False)


def sensor_gaps() -> None:
    """A logger that dropped a few readings: empty cells and an NA, to try ``--missing interpolate``."""
    rng = np.random.default_rng(5)
    t = np.arange(60)
    level = 20 + 3 * np.sin(t / 6) + rng.normal(0, 0.3, 60)
    flow = 1.2 + 0.4 * np.cos(t / 9) + rng.normal(0, 0.05, 60)
    cells = [[f"{a:.2f}", f"{b:.3f}"] for a, b in zip(level, flow, strict=True)]
    for row, col, text in ((7, 0, ""), (8, 0, ""), (23, 1, "NA"), (41, 0, "")):
        cells[row][col] = text
    rows = "\n".join(f"{k},{a},{b}" for k, (a, b) in zip(t, cells, strict=True))
    (HERE / "sensor_gaps.csv").write_text("step,level,flow\n" + rows + "\n", encoding="utf-8")


def main() -> None:
    sine()
    temperature_anomaly()
    monthly_passengers()
    european()
    (HERE / "gates.txt").write_text(TEXT, encoding="utf-8")
    lorenz()
    sensor_gaps()
    save_sequence(generate("adding", steps=40, seed=7), HERE / "adding_problem.json")
    save_sequence(generate("copy", steps=24, symbols=4, length=5, seed=3), HERE / "copy_task.csv")


if __name__ == "__main__":
    main()
