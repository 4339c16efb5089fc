"""riskreg: risk registers for UK council services."""

__version__ = "0.1.0"
