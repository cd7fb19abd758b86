"""postil: a terminal reader that keeps your marginalia."""

__version__ = "0.1.0"
