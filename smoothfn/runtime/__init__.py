"""The torch side of run time: the registry of pair implementations, shapes, the cache-sized
slices of the eager twin and the floor/round series. Imports neither SymPy nor Triton."""
