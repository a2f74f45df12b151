"""Differentiable operations: ``autograd`` (every generated pair, dispatched to the Triton
kernels or the torch twin) and ``smu`` (the SMU formulas)."""
