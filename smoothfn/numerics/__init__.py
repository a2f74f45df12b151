"""Building blocks the generated code calls that torch and Triton lack or compute poorly
(``torch_math`` for the twin under torch.compile, ``triton_math`` for the kernels)."""
