"""Replicate Playground: try and compare Replicate models in the browser."""

__version__ = "0.1.0"
