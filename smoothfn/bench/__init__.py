"""Benchmarks of smoothfn against the plain closed forms in torch (``smoothfn bench``); see
:mod:`smoothfn.bench.harness`. Not imported by ``import smoothfn``."""
