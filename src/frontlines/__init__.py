"""Frontlines: raw conflict reporting in, sourced, geocoded, time-resolved ACLED-style events out."""
__version__ = "0.1.0"

__all__ = ["Pipeline", "__version__"]


def __getattr__(name):  # lazy: importing the package must not load spaCy
    if name == "Pipeline":
        from .pipeline import Pipeline

        return Pipeline
    raise AttributeError(name)
