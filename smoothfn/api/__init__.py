"""What the public functions share: argument checks, and ``smoothfn.compile`` for user functions."""
