"""The series plan of the smoothed floor and round, one source for the torch twin
(:mod:`smoothfn.runtime.staircase`) and the Triton kernels (:mod:`smoothfn.gpu.staircase`).

Per kernel: the local layer-cake sum with J terms a side up to a switch width, then the Fourier
series (gaussian, logistic) or the generated closed form (uniform, triangular, epanechnikov:
``staircase_wide_<kernel>``, from the switch width 1 on, where the local sum with 3 terms is
exact below it); Laplace has a closed form at every width; Student-t₂ the local sum at every
width, with an Euler–Maclaurin tail. The accuracy of each choice is in the twin's docstring.
"""

# (local terms J a side, width up to which the local sum is used: None = every width)
LOCAL = {"gaussian": (9, 0.2), "logistic": (13, 0.3), "uniform": (3, 1.0), "triangular": (3, 1.0),
         "epanechnikov": (3, 1.0), "student_t2": (24, None)}
# the kernels whose wide form is the generated closed form (used for w ≥ the switch width, not
# w > it, as the Fourier series is)
WIDE_CLOSED_FORM = ("uniform", "triangular", "epanechnikov")
FOURIER_TERMS = {"gaussian": 8, "logistic": 9}
# the compile-time KERNEL constant of the Triton kernels
KERNEL_CODES = {"gaussian": 0, "logistic": 1, "laplace": 2, "uniform": 3, "triangular": 4, "epanechnikov": 5,
                "student_t2": 6}
