"""Code generation: closed forms (tail-stable) → readable Python modules (the torch twin)."""
