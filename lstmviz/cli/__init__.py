"""lstmviz.cli."""
