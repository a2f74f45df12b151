"""The Triton side of run time: launching the generated kernels and the floor/round kernels.
Imported only where Triton runs (eager CUDA tensors, or ``TRITON_INTERPRET=1``)."""
