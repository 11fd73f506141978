"""Where each dock starts is read from its ViewSpec (area, split beside another dock, or tabbed behind one)."""

from __future__ import annotations

from lstmviz.gui.main_views import DOCKS


def test_every_dock_starts_where_its_spec_says(main_window) -> None:
    docks = main_window.docks
    assert set(docks) == {spec.key for spec in DOCKS}
    for spec in DOCKS:
        assert main_window.dockWidgetArea(docks[spec.key]) == spec.area, spec.key
        if spec.tab_with:
            assert docks[spec.key] in main_window.tabifiedDockWidgets(docks[spec.tab_with]), spec.key
    split = next(spec for spec in DOCKS if spec.split_from)
    left, right = docks[split.split_from], docks[split.key]
    assert right not in main_window.tabifiedDockWidgets(left)
    assert right.geometry().left() >= left.geometry().right()  # side by side, the new one to the right
    assert not docks["unit_plots"].visibleRegion().isEmpty()  # the first tab of its group is the one shown
