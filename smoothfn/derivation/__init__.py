"""The derivation engine: SymPy convolutions of catalog functions with catalog kernels."""

from smoothfn.derivation.derivation import Derivation, derive

__all__ = ["Derivation", "derive"]
