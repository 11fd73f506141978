"""Typed view settings: the workspace keys files have always used, wrong types dropped, unknown keys kept."""

from __future__ import annotations

from lstmviz.model.view_settings import DEFAULT_SPEED, InputScaling, ViewSettings


def test_round_trip_through_the_historical_keys() -> None:
    settings = ViewSettings(
        hidden_heatmaps=("g", "x"),
        unit_plots=("c", "h"),
        playback_speed=90,
        playback_loop=True,
        input_scaling=InputScaling("z-score", (2.5,), (0.5,)),
    )
    stored = settings.to_dict()
    assert stored == {
        "heatmaps.hidden": ["g", "x"],
        "unit_plots.shown": ["c", "h"],
        "playback.speed": 90,
        "playback.loop": True,
        "sequence.scaling": {"method": "z-score", "offset": [2.5], "scale": [0.5]},
    }
    assert ViewSettings.from_dict(stored) == settings


def test_defaults_are_not_written_and_wrong_types_are_dropped() -> None:
    assert ViewSettings().to_dict() == {}
    read = ViewSettings.from_dict(
        {
            "heatmaps.hidden": "g",
            "playback.speed": True,
            "playback.loop": 1,
            "sequence.scaling": {"method": "z-score", "offset": [1.0], "scale": []},
        }
    )
    assert read.hidden_heatmaps == () and read.playback_speed == DEFAULT_SPEED and read.playback_loop is False
    assert read.input_scaling is None and read.extra == {}


def test_settings_of_a_newer_version_survive_a_round_trip() -> None:
    read = ViewSettings.from_dict({"colormap": "viridis", "heatmaps.hidden": ["z"]})
    assert read.hidden_heatmaps == ("z",)
    assert read.to_dict() == {"colormap": "viridis", "heatmaps.hidden": ["z"]}


def test_changed_fields_name_what_differs() -> None:
    a = ViewSettings()
    assert a.replace(playback_speed=5, playback_loop=True).changed_fields(a) == ("playback_speed", "playback_loop")
    assert a.changed_fields(a) == ()
