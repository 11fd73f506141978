"""Generators against their textbook definitions, written out independently here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lstmviz.io.errors import SequenceError
from lstmviz.io.generators import GENERATORS, GeneratorSpec, generate


def test_every_generator_has_steps_seed_and_runs_with_defaults() -> None:
    for name, spec in GENERATORS.items():
        assert isinstance(spec, GeneratorSpec) and spec.name == name and spec.title and spec.description
        assert "steps" in spec.params and "seed" in spec.params
        seq = generate(name)
        assert seq.steps >= 1 and np.isfinite(seq.values).all()
        assert seq.source and len(seq.input_labels) == seq.input_size


@pytest.mark.parametrize("name", list(GENERATORS))
def test_same_seed_same_sequence(name: str) -> None:
    np.testing.assert_array_equal(generate(name, seed=3).values, generate(name, seed=3).values)


def test_noise_changes_with_the_seed() -> None:
    assert not np.array_equal(generate("noise", seed=1).values, generate("noise", seed=2).values)


def test_sine_values() -> None:
    seq = generate("sine", steps=5, frequency=0.25, amplitude=2.0, phase=math.pi / 2)
    # 2 sin(pi/2 * t + pi/2) = 2 cos(pi/2 * t): 2, 0, -2, 0, 2
    np.testing.assert_allclose(seq.values[:, 0], [2, 0, -2, 0, 2], atol=1e-12)


def test_square_and_sawtooth_values() -> None:
    square = generate("square", steps=8, frequency=0.25, duty=0.5)
    np.testing.assert_array_equal(square.values[:, 0], [1, 1, -1, -1, 1, 1, -1, -1])
    saw = generate("sawtooth", steps=5, frequency=0.25, amplitude=2.0)
    np.testing.assert_allclose(saw.values[:, 0], [-2, -1, 0, 1, -2])


def test_step_and_impulse() -> None:
    np.testing.assert_array_equal(generate("step", steps=5, at=2, low=-1.0, high=3.0).values[:, 0], [-1, -1, 3, 3, 3])
    np.testing.assert_array_equal(generate("impulse", steps=4, at=1, amplitude=5.0).values[:, 0], [0, 5, 0, 0])


def test_noise_statistics_and_random_walk_increments() -> None:
    noise = generate("noise", steps=20_000, mean=3.0, std=0.5, seed=1).values[:, 0]
    assert abs(noise.mean() - 3.0) < 0.02 and abs(noise.std() - 0.5) < 0.02
    walk = generate("random_walk", steps=20_000, start=10.0, std=2.0, seed=1).values[:, 0]
    assert walk[0] == 10.0
    assert abs(np.diff(walk).std() - 2.0) < 0.05


def test_noise_parameter_adds_gaussian_noise() -> None:
    clean = generate("sine", steps=5000).values
    noisy = generate("sine", steps=5000, noise=0.1, seed=4).values
    assert abs((noisy - clean).std() - 0.1) < 0.01


def test_copy_task_layout() -> None:
    seq = generate("copy", steps=13, symbols=3, length=3, seed=5)
    assert seq.input_labels == ("A", "B", "C", "blank", "cue")
    v = seq.values
    assert (v.sum(axis=1) == 1).all()  # exactly one channel on at every step
    assert (v[:3, :3].sum(axis=1) == 1).all()  # three symbols to remember
    assert (v[3:9, 3] == 1).all()  # delay = 13 - 2*3 - 1 = 6 blank steps
    assert v[9, 4] == 1  # the cue
    assert (v[10:, 3] == 1).all()  # blanks while recalling
    recalled = "".join("ABC"[k] for k in v[:3, :3].argmax(axis=1))
    assert f"recall '{recalled}' after a delay of 6 steps" in seq.source


def test_adding_problem() -> None:
    seq = generate("adding", steps=40, seed=2)
    values, markers = seq.values[:, 0], seq.values[:, 1]
    marked = np.flatnonzero(markers)
    assert seq.input_labels == ("value", "marker")
    assert len(marked) == 2 and marked[0] < 20 <= marked[1]
    assert ((values >= 0) & (values < 1)).all()
    assert f"target {values[marked].sum():.4f}" in seq.source


def test_typed_string() -> None:
    seq = generate("text", text="abca")
    assert seq.vocabulary == ("a", "b", "c") and seq.text == "abca"
    np.testing.assert_array_equal(seq.values.argmax(axis=1), [0, 1, 2, 0])
    assert generate("text", text="ab", steps=5).text == "ababa"
    assert generate("text", text="b", vocab="ab").input_labels == ("a", "b")


def test_parameters_from_the_command_line_as_strings() -> None:
    np.testing.assert_allclose(generate("sine", steps="3", frequency="0.25").values[:, 0], [0, 1, 0], atol=1e-12)
    assert generate("white-noise", steps=4).steps == 4  # aliases and hyphens


@pytest.mark.parametrize(
    "kind, params, match",
    [
        ("bogus", {}, "unknown kind 'bogus'"),
        ("sine", {"freq": 1}, "sine has no parameter 'freq'"),
        ("sine", {"steps": 0}, "steps must be between 1 and 1,000,000"),
        ("sine", {"steps": 2.5}, "steps must be an integer"),
        ("sine", {"steps": True}, "steps must be an integer"),
        ("sine", {"steps": "many"}, "steps must be an integer"),
        ("sine", {"noise": -1.0}, "noise must be between 0"),
        ("sine", {"amplitude": math.inf}, "amplitude must be finite"),
        ("square", {"duty": 1.5}, "duty must be between 0 and 1"),
        ("step", {"steps": 5, "at": 5}, "at must be below steps"),
        ("copy", {"steps": 6, "length": 3}, "steps >= 2 \\* length \\+ 1 = 7"),
        ("text", {"text": ""}, "text is empty"),
        ("text", {"text": 5}, "text must be text"),
    ],
)
def test_bad_parameters(kind: str, params: dict[str, object], match: str) -> None:
    with pytest.raises(SequenceError, match=match):
        generate(kind, **params)
