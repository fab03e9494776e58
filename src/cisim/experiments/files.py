"""Writing result files whole or not at all: the one writer now lives in ``cisim.files``; kept here by name."""

from cisim.files import TEMPORARY, replacing, sha256, write_bytes, write_text

__all__ = ["TEMPORARY", "replacing", "sha256", "write_bytes", "write_text"]
