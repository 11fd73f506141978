"""Sequences that teach: waves, steps, noise, and the classic memory benchmarks, all seeded and reproducible.

Each generator is data (a :class:`GeneratorSpec` with its parameters and defaults) plus one small function; the
CLI's ``generate KIND --param name=value`` and the app's generator dialog both read :data:`GENERATORS`, and
:func:`generate` checks every parameter (name, type, range) before building anything.

Copy (memory) task layout, ``steps`` = T, ``length`` = L, ``symbols`` = K; columns are the K symbols (A, B, ...),
then ``blank``, then ``cue``::

    steps 0 .. L-1          one random symbol each (one-hot)     <- what to remember
    steps L .. T-L-2        blank                                <- the delay, T - 2L - 1 steps
    step  T-L-1             cue                                  <- "now repeat it"
    steps T-L .. T-1        blank                                <- the network should output the L symbols here

Adding problem: column ``value`` holds uniform random numbers in [0, 1); column ``marker`` is 1 at exactly two
steps, one in each half; the target is the sum of the two marked values (given in ``source``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import SequenceError
from .seq_text import text_sequence
from .sequence_data import SequenceData

MAX_STEPS = 1_000_000
_TAU = 2 * math.pi


@dataclass(frozen=True)
class GeneratorSpec:
    """One generator: its name (the CLI's KIND), a title and description for people, and its parameters."""

    name: str
    title: str
    description: str
    params: dict[str, Any]
    """Parameter name -> default; the default's type is the parameter's type."""
    param_help: dict[str, str] = field(default_factory=dict)


_RANGES: dict[str, tuple[float, float]] = {
    "steps": (1, MAX_STEPS),
    "seed": (0, 2**63 - 1),
    "frequency": (0, math.inf),
    "noise": (0, math.inf),
    "std": (0, math.inf),
    "duty": (0, 1),
    "symbols": (1, 26),
    "length": (1, MAX_STEPS),
    "at": (0, MAX_STEPS - 1),
}
"""Allowed closed ranges by parameter name (a name means the same in every generator)."""
_RANGE_OVERRIDES: dict[str, dict[str, tuple[float, float]]] = {"text": {"steps": (0, MAX_STEPS)}}

_HELP = {
    "steps": "number of time steps",
    "seed": "random seed (the same seed gives the same sequence)",
    "frequency": "cycles per step (0.05 = one cycle every 20 steps)",
    "phase": "phase shift in radians",
    "amplitude": "peak value",
    "noise": "standard deviation of added Gaussian noise",
    "duty": "fraction of each cycle spent high",
    "at": "step at which it happens (0-based)",
    "low": "value before the step",
    "high": "value from the step on",
    "mean": "mean value",
    "std": "standard deviation",
    "start": "first value",
    "symbols": "alphabet size (symbols are named A, B, C, ...)",
    "length": "how many symbols to remember",
    "text": "the characters, one per step",
    "vocab": "fixed vocabulary (empty: the text's characters in order of first appearance)",
}

_WAVE = {"steps": 200, "frequency": 0.05, "phase": 0.0, "amplitude": 1.0, "noise": 0.0, "seed": 0}


def _spec(name: str, title: str, description: str, params: dict[str, Any]) -> GeneratorSpec:
    return GeneratorSpec(name, title, description, params, {k: _HELP[k] for k in params})


GENERATORS: dict[str, GeneratorSpec] = {
    spec.name: spec
    for spec in (
        _spec("sine", "Sine wave", "amplitude * sin(2 pi frequency t + phase), plus optional noise", dict(_WAVE)),
        _spec(
            "square",
            "Square wave",
            "+amplitude for the duty fraction of each cycle, -amplitude otherwise",
            {**_WAVE, "duty": 0.5},
        ),
        _spec("sawtooth", "Sawtooth wave", "rises linearly from -amplitude to +amplitude once per cycle", dict(_WAVE)),
        _spec(
            "step",
            "Step",
            "low before step `at`, high from it on",
            {"steps": 100, "at": 20, "low": 0.0, "high": 1.0, "noise": 0.0, "seed": 0},
        ),
        _spec(
            "impulse",
            "Impulse",
            "zero everywhere except one step",
            {"steps": 100, "at": 10, "amplitude": 1.0, "noise": 0.0, "seed": 0},
        ),
        _spec(
            "noise", "White noise", "independent Gaussian values", {"steps": 200, "mean": 0.0, "std": 1.0, "seed": 0}
        ),
        _spec(
            "random_walk",
            "Random walk",
            "running sum of Gaussian steps",
            {"steps": 200, "start": 0.0, "std": 1.0, "seed": 0},
        ),
        _spec(
            "copy",
            "Copy (memory) task",
            "random symbols one-hot, a blank delay, then a recall cue; see the module docs for the layout",
            {"steps": 30, "symbols": 4, "length": 5, "seed": 0},
        ),
        _spec(
            "adding",
            "Adding problem",
            "values and markers; the target is the sum of the two marked values",
            {"steps": 50, "seed": 0},
        ),
        _spec(
            "text",
            "Typed string",
            "characters one-hot over their vocabulary (steps 0: the text's length; "
            "otherwise the text repeats or is cut to that many steps)",
            {"text": "hello world", "steps": 0, "vocab": "", "seed": 0},
        ),
    )
}

_ALIASES = {
    "white_noise": "noise",
    "walk": "random_walk",
    "randomwalk": "random_walk",
    "memory": "copy",
    "saw": "sawtooth",
    "string": "text",
    "typed": "text",
    "adding_problem": "adding",
}


def _fail(message: str) -> SequenceError:
    return SequenceError(f"generator: {message}")


def _show(bound: float) -> str:
    return f"{int(bound):,}" if math.isfinite(bound) and float(bound).is_integer() else f"{bound:g}"


def _coerce(kind: str, name: str, value: Any, default: Any) -> Any:
    """Check one parameter against its default's type and its range; strings (from a command line) convert."""
    expected = type(default)
    try:
        if isinstance(value, str) and expected is not str:
            value = expected(value.strip())
        elif expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif expected is int and isinstance(value, float) and value.is_integer():
            value = int(value)
    except ValueError:
        raise _fail(
            f"{kind} parameter {name} must be {'an integer' if expected is int else 'a number'}, not {value!r}"
        ) from None
    if isinstance(value, bool) or not isinstance(value, expected):
        what = {int: "an integer", float: "a number", str: "text"}[expected]
        raise _fail(f"{kind} parameter {name} must be {what}, not {value!r}")
    if expected is float and not math.isfinite(value):
        raise _fail(f"{kind} parameter {name} must be finite, not {value!r}")
    lo, hi = _RANGE_OVERRIDES.get(kind, {}).get(name) or _RANGES.get(name, (-math.inf, math.inf))
    if expected is not str and not lo <= value <= hi:
        raise _fail(f"{kind} parameter {name} must be between {_show(lo)} and {_show(hi)}, not {value!r}")
    return value


def _noisy(values: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    return values + noise * rng.standard_normal(len(values)) if noise else values


def _phase(p: dict[str, Any]) -> np.ndarray:
    """Position within each cycle, in [0, 1)."""
    phase: np.ndarray = np.mod(p["frequency"] * np.arange(p["steps"]) + p["phase"] / _TAU, 1.0)
    return phase


def _wave(
    kind: str, shape: Callable[[np.ndarray, dict[str, Any]], np.ndarray]
) -> Callable[[dict[str, Any], np.random.Generator], tuple[np.ndarray, tuple[str, ...], str]]:
    def build(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, tuple[str, ...], str]:
        values = _noisy(p["amplitude"] * shape(_phase(p), p), p["noise"], rng)
        return (
            values,
            (kind,),
            f"{kind}: frequency {p['frequency']:g}/step, amplitude {p['amplitude']:g}, "
            f"phase {p['phase']:g}, noise {p['noise']:g}",
        )

    return build


def _at(p: dict[str, Any]) -> int:
    if p["at"] >= p["steps"]:
        raise _fail(f"parameter at must be below steps ({p['steps']}), not {p['at']}")
    return int(p["at"])


def _step(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, tuple[str, ...], str]:
    at = _at(p)
    values = np.where(np.arange(p["steps"]) >= at, p["high"], p["low"]).astype(np.float64)
    return _noisy(values, p["noise"], rng), ("step",), f"step from {p['low']:g} to {p['high']:g} at step {at}"


def _impulse(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, tuple[str, ...], str]:
    at = _at(p)
    values = np.zeros(p["steps"])
    values[at] = p["amplitude"]
    return _noisy(values, p["noise"], rng), ("impulse",), f"impulse of {p['amplitude']:g} at step {at}"


def _white(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, tuple[str, ...], str]:
    values = p["mean"] + p["std"] * rng.standard_normal(p["steps"])
    return values, ("noise",), f"white noise: mean {p['mean']:g}, std {p['std']:g}"


def _walk(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, tuple[str, ...], str]:
    moves = p["std"] * rng.standard_normal(p["steps"])
    moves[0] = 0.0
    return p["start"] + np.cumsum(moves), ("walk",), f"random walk from {p['start']:g}, step std {p['std']:g}"


def _copy(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, tuple[str, ...], str]:
    steps, k, length = p["steps"], p["symbols"], p["length"]
    delay = steps - 2 * length - 1
    if delay < 0:
        raise _fail(f"copy needs steps >= 2 * length + 1 = {2 * length + 1}, not {steps}")
    names = tuple(chr(ord("A") + j) for j in range(k))
    symbols = rng.integers(0, k, size=length)
    values = np.zeros((steps, k + 2))
    values[np.arange(length), symbols] = 1.0
    values[length:, k] = 1.0  # blank through the delay and the recall period
    values[steps - length - 1, k] = 0.0
    values[steps - length - 1, k + 1] = 1.0  # the recall cue
    recall = "".join(names[s] for s in symbols)
    return values, (*names, "blank", "cue"), f"copy task: recall {recall!r} after a delay of {delay} steps"


def _adding(p: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, tuple[str, ...], str]:
    steps = p["steps"]
    if steps < 2:
        raise _fail(f"adding needs at least 2 steps, not {steps}")
    half = steps // 2
    first, second = int(rng.integers(0, half)), int(rng.integers(half, steps))
    values = np.zeros((steps, 2))
    values[:, 0] = rng.random(steps)
    values[[first, second], 1] = 1.0
    target = values[first, 0] + values[second, 0]
    return values, ("value", "marker"), f"adding problem: steps {first} and {second} marked, target {target:.4f}"


_BUILDERS: dict[str, Callable[[dict[str, Any], np.random.Generator], tuple[np.ndarray, tuple[str, ...], str]]] = {
    "sine": _wave("sine", lambda phase, p: np.sin(_TAU * phase)),
    "square": _wave("square", lambda phase, p: np.where(phase < p["duty"], 1.0, -1.0)),
    "sawtooth": _wave("sawtooth", lambda phase, p: 2.0 * phase - 1.0),
    "step": _step,
    "impulse": _impulse,
    "noise": _white,
    "random_walk": _walk,
    "copy": _copy,
    "adding": _adding,
}


def _typed(p: dict[str, Any]) -> SequenceData:
    text = p["text"]
    if not text:
        raise _fail("text parameter text is empty")
    steps = p["steps"] or len(text)
    text = (text * (steps // len(text) + 1))[:steps]
    shown = text if len(text) <= 40 else text[:37] + "..."
    return text_sequence(text, p["vocab"] or None, source=f"typed text {shown!r}")


def generate(kind: str, **params: Any) -> SequenceData:
    """Build the ``kind`` sequence with ``params`` over the defaults in :data:`GENERATORS`.

    Raises
    ------
    SequenceError
        Unknown kind or parameter, wrong type, or a value out of range; the message names which.
    """
    key = kind.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in GENERATORS:
        raise _fail(f"unknown kind {kind!r}; choose one of {', '.join(GENERATORS)}")
    spec = GENERATORS[key]
    unknown = [name for name in params if name not in spec.params]
    if unknown:
        raise _fail(f"{key} has no parameter {unknown[0]!r}; its parameters are {', '.join(spec.params)}")
    p = {name: _coerce(key, name, params.get(name, default), default) for name, default in spec.params.items()}
    if key == "text":
        return _typed(p)
    values, labels, description = _BUILDERS[key](p, np.random.default_rng(p["seed"]))
    return SequenceData(values=values, input_labels=labels, source=f"{description} (seed {p['seed']})")
