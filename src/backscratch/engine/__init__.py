"""The engine: random streams and small numba kernels that advance every run of a scenario at once.

Kernels are kept small and separate from the Python API (models call them); none of them draws
random numbers itself — uniforms come from :mod:`backscratch.engine.rng`, so results do not
depend on threads, workers or call order.
"""
