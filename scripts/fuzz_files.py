"""Mutate small valid files of every format lstmviz reads and check each outcome is "accepted" or the io error.

Bit flips, truncations, insertions, deletions and edits of header fields (the safetensors JSON header, the .npy
header dict, zip flag bits, methods and sizes) are applied to a valid csv, json, npy, npz, safetensors and
workspace file, then each mutant goes through the real loader. Anything other than success or a
:class:`~lstmviz.io.errors.FileFormatError` (another exception, a warning, a case slower than ``--slow`` seconds)
is a finding. ``tests/io/test_fuzz_files.py`` runs a few hundred seeded cases of the same thing.

Usage::

    python scripts/fuzz_files.py --cases 20000 --seed 1
    python scripts/fuzz_files.py --hours 2 --out findings/     # keeps every finding's file
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import struct
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstmviz.engine.network import Network
from lstmviz.io.errors import FileFormatError
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.sequences import load_sequence
from lstmviz.io.weights import load_weights, save_weights
from lstmviz.io.workspace import Workspace, load_workspace, save_workspace

FORMATS = ("csv", "json", "npy", "npz", "weights.npz", "safetensors", "lstmviz")


@dataclass(frozen=True)
class Outcome:
    kind: str  # "accepted", "refused" or "finding"
    detail: str = ""


def _loader(fmt: str) -> Callable[[Path], object]:
    if fmt in ("weights.npz", "safetensors"):
        return load_weights
    if fmt == "lstmviz":
        return load_workspace
    return load_sequence


def valid_files(folder: Path) -> dict[str, bytes]:
    """One small valid file per format (made with lstmviz's own writers and numpy's)."""
    rng = np.random.default_rng(0)
    values = np.round(rng.standard_normal((6, 2)), 3)
    network = Network.random("lstm", 2, 3, 1, seed=0)
    sequence = SequenceData(
        values=values, time=np.arange(6.0) + 2000, time_label="year", input_labels=("a", "b"), source="fuzz"
    )
    files: dict[str, bytes] = {
        "csv": ("year,a,b\n" + "".join(f"{2000 + k},{r[0]},{r[1]}\n" for k, r in enumerate(values))).encode(),
        "json": json.dumps({"x": values.tolist(), "t": list(range(6)), "labels": ["a", "b"]}).encode(),
    }
    buffer = io.BytesIO()
    np.save(buffer, values)
    files["npy"] = buffer.getvalue()
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=values)
    files["npz"] = buffer.getvalue()
    for suffix in ("weights.npz", "safetensors"):
        save_weights(network, folder / f"w.{suffix.split('.')[-1]}")
        files[suffix] = (folder / f"w.{suffix.split('.')[-1]}").read_bytes()
    save_workspace(Workspace(network=network, sequence=sequence), folder / "w.lstmviz")
    files["lstmviz"] = (folder / "w.lstmviz").read_bytes()
    return files


_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")
_EVIL_NUMBERS = (
    b"-1",
    b"0",
    b"1e999",
    b"9" * 30,
    b"9" * 5000,
    b"18446744073709551615",
    b"[]",
    b"{}",
    b"null",
    b'"F32"',
    b"1.5",
    b"true",
    b'"\\ud800"',
)
_EVIL_BYTES = (
    b"\x00",
    b"\xff\xfe",
    b'"',
    b"\n",
    b"\r",
    b",",
    b";",
    b"\\",
    b"\xed\xa0\x80",
    b"[" * 40,
    b"NaN",
    b"\xc3",
    b"\t",
)


def _edit_number(data: bytes, rng: random.Random, start: int = 0, end: int | None = None) -> bytes:
    """Replace one number in ``data[start:end]`` (a JSON or Python-literal header) with a hostile value."""
    matches = list(_NUMBER.finditer(data, start, len(data) if end is None else end))
    if not matches:
        return data
    match = rng.choice(matches)
    return data[: match.start()] + rng.choice(_EVIL_NUMBERS) + data[match.end() :]


def _header_edit(fmt: str, data: bytes, rng: random.Random) -> bytes:
    if fmt == "safetensors" and len(data) >= 8:
        length = struct.unpack_from("<Q", data)[0]
        if rng.random() < 0.2:
            claims = [0, 1, min(length + 1, 2**64 - 1), len(data), 2**63, 2**64 - 1]
            return struct.pack("<Q", rng.choice(claims)) + data[8:]
        header = data[8 : 8 + length]
        if rng.random() < 0.3:
            for old, new in (
                (b'"F32"', b'"F8_E4M3"'),
                (b'"F64"', b'["F64"]'),
                (b'"shape"', b'"shapes"'),
                (b'"F64"', b'{"a":1}'),
                (b'"weight_hh_l0"', b'"weight_ih_l0"'),
            ):
                if old in header and rng.random() < 0.5:
                    header = header.replace(old, new, 1)
        else:
            header = _edit_number(header, rng)
        return struct.pack("<Q", len(header)) + header + data[8 + length :]
    if fmt == "npy" and data.startswith(b"\x93NUMPY"):
        end = data.find(b"\n", 10)
        header = data[:end]
        for old, new in (
            (b"'<f8'", rng.choice([b"'|V0'", b"('<f8', (2,))", b"'|O'", b"'<U0'", b"'>f8'", b"'<c16'"])),
            (b"False", b"True"),
        ):
            if old in header and rng.random() < 0.4:
                header = header.replace(old, new, 1)
        if rng.random() < 0.6:
            header = _edit_number(header, rng, 10)
        return header + data[end:]
    if data.startswith(b"PK"):
        return _zip_edit(data, rng)
    if fmt in ("csv", "json"):
        return _edit_number(data, rng)
    return data


def _zip_edit(data: bytes, rng: random.Random) -> bytes:
    """Change one field of one local or central zip header: flags, method, version, sizes, name length."""
    out = bytearray(data)
    signature = rng.choice([b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"])
    spots = [m.start() for m in re.finditer(re.escape(signature), data)]
    if not spots:
        return data
    at = rng.choice(spots)
    fields = {
        b"PK\x03\x04": (4, 6, 8, 18, 22, 26),
        b"PK\x01\x02": (6, 8, 10, 20, 24, 28, 42),
        b"PK\x05\x06": (8, 10, 12, 16),
    }[signature]
    offset = at + rng.choice(fields)
    if offset + 4 > len(out):
        return data
    if rng.random() < 0.5:
        struct.pack_into("<H", out, offset, rng.choice([0, 1, 0x20, 0x41, 8, 12, 14, 99, 0xFFFF, 63]))
    else:
        struct.pack_into("<I", out, offset, rng.choice([0, 1, 0xFFFFFFFF, len(data), 1 << 31]))
    return bytes(out)


def mutate(fmt: str, data: bytes, rng: random.Random) -> bytes:
    """One to three random edits of ``data``."""
    for _ in range(rng.randint(1, 3)):
        choice = rng.random()
        if not data:
            data = rng.choice(_EVIL_BYTES)
        elif choice < 0.25:  # bit flips
            out = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
            data = bytes(out)
        elif choice < 0.4:
            data = data[: rng.randrange(len(data))]
        elif choice < 0.55:
            at = rng.randrange(len(data) + 1)
            piece = rng.choice(_EVIL_BYTES) if rng.random() < 0.7 else os.urandom(rng.randint(1, 64))
            data = data[:at] + piece + data[at:]
        elif choice < 0.65:
            at = rng.randrange(len(data))
            data = data[:at] + data[at + rng.randint(1, 16) :]
        else:
            data = _header_edit(fmt, data, rng)
    return data


def run_case(fmt: str, data: bytes, folder: Path, slow: float = 5.0) -> Outcome:
    """Write the mutant and load it: accepted, refused with our error, or a finding (anything else)."""
    path = folder / f"case.{fmt}"
    path.write_bytes(data)
    began = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _loader(fmt)(path)
        outcome = Outcome("accepted")
    except FileFormatError as error:
        message = str(error)
        if "\n" in message or len(message) > len(str(path)) + 300 or not message.startswith(str(path)):
            outcome = Outcome("finding", f"refusal is not one short line naming the file: {message[:400]!r}")
        else:
            outcome = Outcome("refused", message)
    except Exception as error:  # any other exception is exactly what we look for
        where = traceback.extract_tb(error.__traceback__)[-1]
        outcome = Outcome("finding", f"{type(error).__name__}: {str(error)[:200]} at {where.filename}:{where.lineno}")
    elapsed = time.perf_counter() - began
    if elapsed > slow and outcome.kind != "finding":
        outcome = Outcome("finding", f"took {elapsed:.1f} s")
    return outcome


def fuzz(
    cases: int, seed: int, hours: float | None = None, out: Path | None = None, report: Callable[[str], None] = print
) -> dict[str, int]:
    """Run ``cases`` mutants (or until ``hours`` pass); returns counts per outcome kind."""
    rng = random.Random(seed)
    counts = {"accepted": 0, "refused": 0, "finding": 0}
    deadline = None if hours is None else time.monotonic() + hours * 3600
    with tempfile.TemporaryDirectory(prefix="lstmviz-fuzz-") as tmp:
        folder = Path(tmp)
        originals = valid_files(folder)
        k = 0
        while (deadline is None and k < cases) or (deadline is not None and time.monotonic() < deadline):
            fmt = FORMATS[k % len(FORMATS)]
            mutant = mutate(fmt, originals[fmt], rng)
            outcome = run_case(fmt, mutant, folder)
            counts[outcome.kind] += 1
            if outcome.kind == "finding":
                report(f"case {k} ({fmt}, {len(mutant)} bytes): {outcome.detail}")
                if out is not None:
                    out.mkdir(parents=True, exist_ok=True)
                    (out / f"case-{seed}-{k}.{fmt}").write_bytes(mutant)
            k += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--hours", type=float, default=None, help="run for this long instead of --cases")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="folder to keep each finding's file in")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    counts = fuzz(args.cases, args.seed, args.hours, args.out)
    total = sum(counts.values())
    print(
        f"{total} cases in {time.perf_counter() - began:.1f} s: {counts['accepted']} accepted, "
        f"{counts['refused']} refused, {counts['finding']} findings"
    )
    return 1 if counts["finding"] else 0


if __name__ == "__main__":
    sys.exit(main())
