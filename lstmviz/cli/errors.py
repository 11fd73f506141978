"""The command line's own exception: a request that makes no sense as given (not a bad file, not an engine limit).

Like the other layers' errors it carries one sentence for the user; ``main`` prints it on one line and exits 2.
"""


class CommandError(ValueError):
    """A command-line request lstmviz cannot carry out as given (missing option, unknown parameter, no display)."""
