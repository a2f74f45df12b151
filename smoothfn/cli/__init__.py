"""The command line (``smoothfn``, ``python -m smoothfn``) and the demo it runs."""

from smoothfn.cli.main import main

__all__ = ["main"]
