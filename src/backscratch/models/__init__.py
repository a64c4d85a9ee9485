"""Models: each turns a scenario into arrays and advances them with the engine's kernels."""

from backscratch.models.dyad import COLUMNS, DyadModel, DyadResult, StageGame

__all__ = ["COLUMNS", "DyadModel", "DyadResult", "StageGame"]
