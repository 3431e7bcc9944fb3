"""lw: run existing Python web apps serverless on more than one cloud."""

__version__ = "0.1.0"
