"""The engine's one exception type."""


class EngineError(ValueError):
    """A request the engine cannot honour; the message is a sentence meant for the user."""
