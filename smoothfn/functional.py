r"""Smoothed activations and non-smooth operations, f_w = f ∗ K_w with K_w(u) = k(u/w)/w.

Every function takes ``width`` (w > 0) and ``kernel`` (a name from ``smoothfn.KERNELS``) as
keywords. ``width`` and the parameters (``alpha``, ``min``, ``max``, ``y``…) may be Python
numbers or tensors (0-dim or broadcastable, e.g. per channel); tensors that require grad get
gradients. Where the sup error is finite and vanishes with w, ``max_error=`` may replace
``width``: the width is then chosen so that sup|f_w − f| ≤ max_error.

This module imports neither SymPy nor the code generator: it runs the generated code.
``backend=`` (or $SMOOTHFN_BACKEND) picks "auto" (Triton kernels for eager CUDA tensors, the
torch twin on the CPU and under ``torch.compile``), "torch" (always the twin) or "triton" (always
the kernels: CUDA tensors, or CPU tensors under ``TRITON_INTERPRET=1``; an error elsewhere).

Dtypes: fp16, bf16 and fp32 inputs are computed in fp32, fp64 in fp64, and the result has the
input's dtype; integer and bool inputs are promoted to the default dtype. Python numbers become
tensors of the compute dtype.

Widths: accepted where w² is a normal number of the compute dtype, fp32 about 1.1e-19 to 1.8e19,
fp64 1.5e-154 to 1.3e154 (``InvalidWidthError`` otherwise). Every refusal is a ``ValueError``
subclass raised before any kernel runs; under ``torch.compile`` a tensor argument that fails a
check gives NaN instead (docs/numerics.md lists the refusals).

    >>> import torch, smoothfn.functional as F
    >>> F.relu(torch.tensor([-1.0, 0.0, 1.0]), width=0.5)
    tensor([0.0042, 0.1995, 1.0042])
"""

from __future__ import annotations

import torch

from smoothfn import generated
from smoothfn.api.arguments import (
    as_input,
    as_parameter,
    backend_choice,
    check_shapes,
    checked,
    kernel_name,
    resolve_width,
)
from smoothfn.errors import SmoothfnError
from smoothfn.ops import autograd as ops
from smoothfn.ops import smu as smu_formulas
from smoothfn.runtime.pairs import catalog_pair

# the user's names of the catalog's parameters (smoothfn.generated.PARAMETERS), where they differ:
# clamp's bounds are lo, hi in the catalog and the generated code
USER_NAMES = {
    "clamp": ("min", "max"),  # torch.clamp's
    "hardtanh": ("min_val", "max_val"),  # torch.nn.functional.hardtanh's (the catalog's clamp)
}


def _apply(function, kernel, x, width, max_error, backend, *values, names=None):
    """f_w(x) for a catalog ``function``; ``values``: its parameters in the order of
    ``generated.PARAMETERS[function]``, called ``names`` by the user (default: the catalog's)."""
    x = as_input(x)
    backend = backend_choice(backend)
    pair = catalog_pair(function, kernel_name(kernel))  # a divergent pair is refused here
    names = names or generated.PARAMETERS[function]
    params = [as_parameter(value, x, name) for name, value in zip(names, values)]
    check_shapes(x, [*zip(names, params), ("width", width), ("max_error", max_error)])
    if function == "clamp":
        low = params[0]
        params[1] = checked(params[1], lambda high: low < high, lambda: SmoothfnError(
            f"clamp needs {names[0]} < {names[1]}, got {names[0]}={low!r}, {names[1]}={params[1]!r}"))
    w = resolve_width(width, max_error, x, kernel, function, params, generated.KINKS.get(function),
                      generated.NO_MAX_ERROR.get(function))
    return ops.apply(pair, x, w, *params, backend=backend)


def relu(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""relu(x, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed ReLU, elementwise:

    .. math::
        \mathrm{relu}_w(x) = (\max(\cdot, 0) * K_w)(x) = E\,\max(x - wY, 0),

    :math:`x\,\Phi(x/w) + w\,\varphi(x/w)` for the Gaussian kernel, softplus
    :math:`w\log(1 + e^{x/w})` for the logistic one. The sup error is :math:`w\,E|Y|/2`, at x = 0.
    Not for the cauchy kernel (E|Y| = ∞: ``DivergentConvolutionError``).

    Args:
        x (Tensor): the input.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w. The range accepted is in the module docstring.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error (float or Tensor): instead of ``width``: the width at which sup|f_w − f| ≤ max_error.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"`` (module docstring). Default:
            ``$SMOOTHFN_BACKEND``, else ``"auto"``.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> x = torch.tensor([-1.0, 0.0, 1.0])
        >>> F.relu(x, width=0.5)
        tensor([0.0042, 0.1995, 1.0042])
        >>> F.relu(x, width=0.5, kernel="logistic")      # softplus
        tensor([0.0635, 0.3466, 1.0635])
        >>> F.relu(x, max_error=0.01)                     # sup error 0.01, at x = 0
        tensor([0.0000, 0.0100, 1.0000])
    """
    return _apply("relu", kernel, x, width, max_error, backend)


def leaky_relu(x, alpha=0.01, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""leaky_relu(x, alpha=0.01, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed leaky ReLU, elementwise: the convolution of αx (x < 0), x (x ≥ 0), which is
    :math:`\max(x, \alpha x)` for α ≤ 1,

    .. math::
        f_w(x) = \alpha x + (1 - \alpha)\,\mathrm{relu}_w(x),

    the exact SAU for the Gaussian kernel (:func:`sau`). The sup error is :math:`|1 - \alpha|\,w\,E|Y|/2`.
    Not for the cauchy kernel.

    Args:
        x (Tensor): the input.
        alpha (float or Tensor): the slope left of 0, finite; a tensor broadcasts with x and gets
            ∂/∂α when it requires grad. Default: 0.01.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w. The range accepted is in the module docstring.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error (float or Tensor): instead of ``width``: the width at which sup|f_w − f| ≤ max_error.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"`` (module docstring). Default:
            ``$SMOOTHFN_BACKEND``, else ``"auto"``.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.leaky_relu(torch.tensor([-1.0, 0.0, 1.0]), 0.1, width=0.5)
        tensor([-0.0962,  0.1795,  1.0038])
        >>> alpha = torch.full((1, 3, 1, 1), 0.1, requires_grad=True)   # one slope per channel
        >>> F.leaky_relu(torch.randn(2, 3, 4, 4), alpha, width=0.05).shape
        torch.Size([2, 3, 4, 4])
    """
    return _apply("leaky_relu", kernel, x, width, max_error, backend, alpha)


def abs(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""abs(x, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed absolute value, elementwise:

    .. math::
        |x|_w = (|\cdot| * K_w)(x) = E\,|x - wY|,

    :math:`x\,\mathrm{erf}(x/(\sqrt2 w)) + w\sqrt{2/\pi}\,e^{-x^2/2w^2}` for the Gaussian kernel. The sup
    error is :math:`w\,E|Y|`, at x = 0. Not for the cauchy kernel.

    Args:
        x (Tensor): the input.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w. The range accepted is in the module docstring.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error (float or Tensor): instead of ``width``: the width at which sup|f_w − f| ≤ max_error.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"`` (module docstring). Default:
            ``$SMOOTHFN_BACKEND``, else ``"auto"``.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.abs(torch.tensor([-1.0, 0.0, 1.0]), width=0.5)
        tensor([1.0085, 0.3989, 1.0085])
    """
    return _apply("abs", kernel, x, width, max_error, backend)


def sign(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""sign(x, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed sign, elementwise:

    .. math::
        \mathrm{sign}_w(x) = 2F(x/w) - 1,

    F the kernel's CDF (:math:`\mathrm{erf}(x/(\sqrt2 w))` for the Gaussian kernel). Every kernel,
    cauchy included. ``max_error=`` is refused: the sup error is 1, half the jump, at every width.

    Args:
        x (Tensor): the input.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error: refused (``SmoothfnError``): a smoothed jump is off by half the jump at every width.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"``, as for :func:`relu`.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.sign(torch.tensor([-1.0, 0.0, 1.0]), width=0.5)
        tensor([-0.9545,  0.0000,  0.9545])
    """
    return _apply("sign", kernel, x, width, max_error, backend)


def step(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""step(x, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed Heaviside step, elementwise:

    .. math::
        \theta_w(x) = F(x/w),

    F the kernel's CDF. Every kernel, cauchy included. ``max_error=`` is refused (the sup error is
    1/2 at every width), as for :func:`sign`.

    Args:
        x (Tensor): the input.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error: refused (``SmoothfnError``): a smoothed jump is off by half the jump at every width.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"``, as for :func:`relu`.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.step(torch.tensor([-1.0, 0.0, 1.0]), width=0.5)
        tensor([0.0228, 0.5000, 0.9772])
    """
    return _apply("step", kernel, x, width, max_error, backend)


def clamp(x, min, max, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A002
    r"""clamp(x, min, max, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed clamp, elementwise (min < max):

    .. math::
        f_w(x) = (\mathrm{clamp}(\cdot, \min, \max) * K_w)(x)
               = \min + \int_{\min}^{\max} F\!\left(\frac{x - c}{w}\right) dc,

    F the kernel's CDF. Every kernel, cauchy included (the clamp is bounded). The sup error is at the
    kinks; ``max_error=`` solves it for the width (for the cauchy kernel by bisection on its closed
    form, for the others from :math:`w\,E|Y|/2` per kink). At widths far above max − min the kernels
    switch to a ramp form that keeps full precision (docs/numerics.md).

    Args:
        x (Tensor): the input.
        min, max (float or Tensor): the bounds, finite, min < max; tensors broadcast with x and get
            gradients when they require grad.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w. The range accepted is in the module docstring.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error (float or Tensor): instead of ``width``: the width at which sup|f_w − f| ≤ max_error.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"`` (module docstring). Default:
            ``$SMOOTHFN_BACKEND``, else ``"auto"``.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.clamp(torch.tensor([-2.0, 0.0, 2.0]), -1.0, 1.0, width=0.5)
        tensor([-0.9958,  0.0000,  0.9958])
    """
    return _apply("clamp", kernel, x, width, max_error, backend, min, max, names=USER_NAMES["clamp"])


def hardtanh(x, min_val=-1.0, max_val=1.0, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""hardtanh(x, min_val=-1.0, max_val=1.0, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed hardtanh, :math:`\mathrm{clamp}(x, \mathrm{min\_val}, \mathrm{max\_val}) * K_w`, with
    ``torch.nn.functional.hardtanh``'s arguments (see :func:`clamp` for the formula). Every kernel,
    cauchy included.

    Args:
        x (Tensor): the input.
        min_val, max_val (float or Tensor): the bounds, min_val < max_val; tensors broadcast with x
            and get gradients when they require grad. Default: -1 and 1.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w. The range accepted is in the module docstring.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error (float or Tensor): instead of ``width``: the width at which sup|f_w − f| ≤ max_error.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"`` (module docstring). Default:
            ``$SMOOTHFN_BACKEND``, else ``"auto"``.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.hardtanh(torch.tensor([-2.0, 0.0, 2.0]), width=0.5)
        tensor([-0.9958,  0.0000,  0.9958])
    """
    if type(min_val) in (int, float) and type(max_val) in (int, float) and (min_val, max_val) == (-1, 1):
        return _apply("hardtanh", kernel, x, width, max_error, backend)
    return _apply("clamp", kernel, x, width, max_error, backend, min_val, max_val, names=USER_NAMES["hardtanh"])


def relu6(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""relu6(x, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed ReLU6, :math:`\mathrm{clamp}(x, 0, 6) * K_w` (see :func:`clamp` for the formula). Every
    kernel, cauchy included.

    Args:
        x (Tensor): the input.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w. The range accepted is in the module docstring.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error (float or Tensor): instead of ``width``: the width at which sup|f_w − f| ≤ max_error.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"`` (module docstring). Default:
            ``$SMOOTHFN_BACKEND``, else ``"auto"``.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.relu6(torch.tensor([0.0, 3.0, 6.0]), width=0.5)
        tensor([0.1995, 3.0000, 5.8005])
    """
    return _apply("relu6", kernel, x, width, max_error, backend)


def hardsigmoid(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""hardsigmoid(x, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed hard sigmoid (PyTorch's), :math:`\mathrm{clamp}(x/6 + 1/2, 0, 1) * K_w`, kinks at ±3,
    slope 1/6 between them (see :func:`clamp` for the formula). Every kernel, cauchy included.

    Args:
        x (Tensor): the input.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w. The range accepted is in the module docstring.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error (float or Tensor): instead of ``width``: the width at which sup|f_w − f| ≤ max_error.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"`` (module docstring). Default:
            ``$SMOOTHFN_BACKEND``, else ``"auto"``.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.hardsigmoid(torch.tensor([-3.0, 0.0, 3.0]), width=0.5)
        tensor([0.0332, 0.5000, 0.9668])
    """
    return _apply("hardsigmoid", kernel, x, width, max_error, backend)


def hardswish(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""hardswish(x, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed hard swish (PyTorch's), elementwise:

    .. math::
        f(x) = \frac{x\,\mathrm{relu6}(x + 3)}{6} =
        \begin{cases} 0 & x < -3 \\ x(x + 3)/6 & -3 \le x < 3 \\ x & x \ge 3 \end{cases},
        \qquad f_w = f * K_w.

    The middle piece is quadratic, so the kernel's second moment enters (the Gaussian smoothing at
    x = 0 is w²/6 while the kinks are many widths away). Not for the logistic kernel (its closed form
    needs the dilogarithm: ``NoClosedFormError``) nor cauchy (divergent); ``max_error=`` is refused
    (the error is not the kink term alone).

    Args:
        x (Tensor): the input.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w. The range accepted is in the module docstring.
        kernel (str): a name from ``smoothfn.KERNELS`` other than logistic and cauchy. Default: ``"gaussian"``.
        max_error: refused.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"``, as for :func:`relu`.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.hardswish(torch.tensor([-3.0, 0.0, 3.0]), width=0.5)
        tensor([-0.0789,  0.0417,  2.9211])
    """
    return _apply("hardswish", kernel, x, width, max_error, backend)


def max(x, y, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""max(x, y, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed maximum, smoothed along x with y fixed:

    .. math::
        \max\nolimits_w(x, y) = y + \mathrm{relu}_w(x - y).

    The sup error is :math:`w\,E|Y|/2`, at x = y. Not for the cauchy kernel.

    Args:
        x (Tensor): the input.
        y (float or Tensor): the second argument, finite; a tensor broadcasts with x and gets ∂/∂y
            when it requires grad.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w. The range accepted is in the module docstring.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error (float or Tensor): instead of ``width``: the width at which sup|f_w − f| ≤ max_error.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"`` (module docstring). Default:
            ``$SMOOTHFN_BACKEND``, else ``"auto"``.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.max(torch.tensor([-1.0, 0.0, 1.0]), 0.5, width=0.5)
        tensor([0.5002, 0.5417, 1.0417])
    """
    return _apply("max", kernel, x, width, max_error, backend, y)


def min(x, y, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""min(x, y, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed minimum, smoothed along x with y fixed:

    .. math::
        \min\nolimits_w(x, y) = x - \mathrm{relu}_w(x - y).

    Arguments as for :func:`max`.

    Args:
        x (Tensor): the input.
        y (float or Tensor): the second argument, finite; a tensor broadcasts with x and gets ∂/∂y
            when it requires grad.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w. The range accepted is in the module docstring.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error (float or Tensor): instead of ``width``: the width at which sup|f_w − f| ≤ max_error.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"`` (module docstring). Default:
            ``$SMOOTHFN_BACKEND``, else ``"auto"``.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.min(torch.tensor([-1.0, 0.0, 1.0]), 0.5, width=0.5)
        tensor([-1.0002, -0.0417,  0.4583])
    """
    return _apply("min", kernel, x, width, max_error, backend, y)


def sau(x, alpha=0.15, *, width=None, max_error=None, backend=None):
    r"""sau(x, alpha=0.15, *, width=None, max_error=None, backend=None) -> Tensor

    Exact SAU: leaky ReLU smoothed by the Gaussian kernel (:func:`leaky_relu` with
    ``kernel="gaussian"``),

    .. math::
        \mathrm{SAU}_w(x) = \alpha x + (1 - \alpha)\,\big[x\,\Phi(x/w) + w\,\varphi(x/w)\big].

    (The SAU formula in circulation drops the (1 − α) on the Gaussian term.)

    Args:
        x (Tensor): the input.
        alpha (float or Tensor): the slope left of 0, finite; a tensor broadcasts with x and gets
            ∂/∂α when it requires grad. Default: 0.15.
        width, max_error, backend: as for :func:`relu`.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.sau(torch.tensor([-1.0, 0.0, 1.0]), width=0.5)
        tensor([-0.1464,  0.1696,  1.0036])
    """
    return leaky_relu(x, alpha, width=width, kernel="gaussian", max_error=max_error, backend=backend)


def _formula(function, parts, x, alpha, mu):
    """smu/smu1 with checked arguments: ``function`` the autograd.Function, ``parts`` its formula."""
    x = as_input(x)
    a, m = as_parameter(alpha, x, "alpha"), as_parameter(mu, x, "mu")
    check_shapes(x, [("alpha", a), ("mu", m)])
    # a Python number was checked by _tensor; a tensor μ here
    if isinstance(mu, torch.Tensor):
        m = checked(m, torch.isfinite, lambda: SmoothfnError(f"mu must be a finite number, got {mu!r}"))
    if torch.is_grad_enabled() and any(t.requires_grad for t in (x, a, m)):
        return function.apply(x, a, m)
    # no autograd node (and no Dynamo trace of one) to build
    return smu_formulas.evaluate(smu_formulas.choose(parts, x, a, m), x, a, m)


def smu(x, alpha=0.01, mu=2.5):
    r"""smu(x, alpha=0.01, mu=2.5) -> Tensor

    SMU (Biswas et al.), elementwise:

    .. math::
        \mathrm{SMU}(x) = \frac{(1 + \alpha)\,x + (1 - \alpha)\,x\,\mathrm{erf}\big(\mu(1 - \alpha)x\big)}{2}.

    Not a positive-kernel smoothing: x·erf(μx) is |x| convolved with a signed kernel, so SMU
    approaches leaky ReLU from below (sup error 0.1201878/μ). Computed in fp32 for half inputs, with
    erfc in place of 1 + erf left of 0 (no cancellation), exact limits at ±∞ (αx and x) and
    closed-form gradients for x, ``alpha`` and ``mu``. No width, kernel or backend: a formula, not a
    generated pair.

    Args:
        x (Tensor): the input.
        alpha (float or Tensor): the slope left of 0, finite. Default: 0.01.
        mu (float or Tensor): the sharpness μ, finite. Default: 2.5.

    Shape:
        - x: :math:`(*)`, any shape; integer and bool tensors are promoted to the default dtype.
        - Output: the broadcast shape of x, alpha and mu, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.smu(torch.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.0102,  0.0000,  0.9998])
    """
    return _formula(smu_formulas.SMU, smu_formulas.smu_parts, x, alpha, mu)


def smu1(x, alpha=0.01, mu=4.332461424154261e-09):
    r"""smu1(x, alpha=0.01, mu=4.332461424154261e-09) -> Tensor

    SMU-1 (Biswas et al.), elementwise:

    .. math::
        \mathrm{SMU\text{-}1}(x) = \frac{(1 + \alpha)\,x + \sqrt{\big((1 - \alpha)x\big)^2 + \mu^2}}{2}.

    For α < 1 this is exactly leaky ReLU ∗ student_t2 at width |μ|/(1 − α) (SMU-1 is a
    positive-kernel smoothing; for α > 1 the formula is no such smoothing, as leaky ReLU's own
    catalog entry takes α ≤ 1). ``mu`` may be any finite number (only μ² enters; μ = 0 is leaky ReLU
    itself). Computed from the formula in fp32 for half inputs, as 2αx + μ²/(√(…) − (1 − α)x) left of
    0 (no cancellation), exact at ±∞, with closed-form gradients (finite at μ = 0).

    Args:
        x (Tensor): the input.
        alpha (float or Tensor): the slope left of 0, finite. Default: 0.01.
        mu (float or Tensor): the smoothing μ, finite. Default: 4.332461424154261e-09.

    Shape:
        - x: :math:`(*)`, any shape; integer and bool tensors are promoted to the default dtype.
        - Output: the broadcast shape of x, alpha and mu, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.smu1(torch.tensor([-1.0, 0.0, 1.0]), mu=0.5)
        tensor([0.0495, 0.2500, 1.0595])
    """
    return _formula(smu_formulas.SMU1, smu_formulas.smu1_parts, x, alpha, mu)


def floor(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""floor(x, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed floor, elementwise:

    .. math::
        \lfloor x \rfloor_w = E\,\lfloor x - wY \rfloor
          = \lfloor x \rfloor + \sum_{m \ge 1}\Big[F\Big(\frac{r - m}{w}\Big) - F\Big(\frac{1 - r - m}{w}\Big)\Big],
        \qquad r = x - \lfloor x \rfloor,

    evaluated per kernel by a short local sum, a Fourier series or a closed form
    (:mod:`smoothfn.runtime.staircase`; Triton kernels in :mod:`smoothfn.gpu.staircase`). It passes
    through the midpoint n − 1/2 of every jump. Not for the cauchy kernel (divergent);
    ``max_error=`` is refused (the sup error is 1/2 at every width).

    Args:
        x (Tensor): the input.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error: refused (``SmoothfnError``): a smoothed jump is off by half the jump at every width.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"``, as for :func:`relu`.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.floor(torch.tensor([-0.5, 0.0, 0.5, 1.0]), width=0.1)
        tensor([-1.0000, -0.5000,  0.0000,  0.5000])
    """
    return _apply("floor", kernel, x, width, max_error, backend)


def round(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""round(x, *, width=None, kernel="gaussian", max_error=None, backend=None) -> Tensor

    Smoothed round, :math:`\mathrm{round}_w(x) = \lfloor x + 1/2 \rfloor_w` (see :func:`floor`),
    jumps at the half-integers. Not for the cauchy kernel; ``max_error=`` is refused.

    Args:
        x (Tensor): the input.
        width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; a tensor that
            requires grad gets ∂/∂w.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        max_error: refused (``SmoothfnError``): a smoothed jump is off by half the jump at every width.
        backend (str): ``"auto"``, ``"torch"`` or ``"triton"``, as for :func:`relu`.

    Shape:
        - x: :math:`(*)`, any shape.
        - Output: the broadcast shape of x, the width and the parameters, in x's dtype.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.round(torch.tensor([-0.5, 0.0, 0.5, 1.0]), width=0.1)
        tensor([-0.5000,  0.0000,  0.5000,  1.0000])
    """
    return _apply("round", kernel, x, width, max_error, backend)


__all__ = [
    "relu", "leaky_relu", "abs", "sign", "step", "clamp", "hardtanh", "relu6", "hardsigmoid",
    "hardswish", "max", "min", "sau", "smu", "smu1", "floor", "round",
]
