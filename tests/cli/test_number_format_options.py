"""--decimal and --thousands force how a table's numbers are read, where detection would guess."""

from __future__ import annotations

import numpy as np


def test_detected_and_forced_separators(cli, one_line_error, tmp_path) -> None:
    table = tmp_path / "k.csv"
    table.write_text("year;value\n2001;1.234,5\n2002;2.000,25\n2003;999,5\n", encoding="utf-8")
    out = tmp_path / "t.npz"
    assert cli("trace", table, "--out", out).code == 0
    np.testing.assert_array_equal(np.load(out)["x"][:, 0], [1234.5, 2000.25, 999.5])

    # "1.500" and "2.250" read as one and a half and two and a quarter unless told they are thousands.
    small = tmp_path / "s.csv"
    small.write_text("value\n1.500\n2.250\n3.125\n", encoding="utf-8")
    assert cli("trace", small, "--out", out).code == 0
    np.testing.assert_array_equal(np.load(out)["x"][:, 0], [1.5, 2.25, 3.125])
    assert cli("trace", small, "--thousands", ".", "--decimal", ",", "--out", out).code == 0
    np.testing.assert_array_equal(np.load(out)["x"][:, 0], [1500, 2250, 3125])

    one_line_error(cli("trace", table, "--thousands", "none", "--decimal", ",", "--out", out), "k.csv")
