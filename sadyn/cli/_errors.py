"""The one exception the subcommands raise for a message without a traceback."""

__all__ = ["CommandError"]


class CommandError(Exception):
    """A failure to report as ``sadyn <command>: error: <message>`` with exit status 2, no traceback."""
