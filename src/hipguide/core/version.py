"""The version, in one place (the root package and the reports read it)."""

__version__ = "0.1.0"
