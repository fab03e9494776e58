"""The ``cisim`` command line."""

from cisim.cli.main import main

__all__ = ["main"]
