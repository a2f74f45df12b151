"""The derivation engine: SymPy convolutions of catalog functions with catalog kernels."""

from smoothfn.derive.derivation import Derivation, derive

__all__ = ["Derivation", "derive"]
