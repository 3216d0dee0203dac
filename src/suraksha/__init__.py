"""Suraksha: gets police to women in danger faster and follows each case through to court."""

__version__ = "0.1.0"
