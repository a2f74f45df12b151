"""Broadcast shapes without SymPy: ``torch.broadcast_shapes`` imports it (through
torch.fx.experimental.symbolic_shapes), which the run-time path must not."""

from __future__ import annotations

from smoothfn.errors import SmoothfnError


def broadcast_shape(*named_shapes: tuple[str, tuple]) -> tuple:
    """The broadcast of ``(name, shape)`` pairs, by the rules of ``torch.broadcast_shapes``; a
    :class:`SmoothfnError` naming the argument whose shape does not broadcast with the ones before it."""
    result: list = []
    names: list[str] = []
    for name, shape in named_shapes:
        shape = tuple(shape)
        if len(shape) > len(result):
            result = [1] * (len(shape) - len(result)) + result
        for i, size in enumerate(shape, start=len(result) - len(shape)):
            if size == 1 or size == result[i]:
                continue
            if result[i] != 1:
                raise SmoothfnError(
                    f"{name} has shape {shape}, which does not broadcast with the shape "
                    f"{tuple(result)} of {', '.join(names)}"
                )
            result[i] = size
        names.append(name)
    return tuple(result)


def sum_to_shape(grad, shape: tuple):
    """Sum a gradient of the broadcast shape back to the shape of the argument it belongs to
    (a 0-dim gradient is first broadcast to that shape)."""
    shape = tuple(shape)
    if grad.dim() == 0:
        return grad.expand(shape) if shape else grad
    if tuple(grad.shape) == shape:
        return grad
    leading = grad.dim() - len(shape)
    broadcast = [leading + i for i, size in enumerate(shape) if size == 1 and grad.shape[leading + i] != 1]
    dims = [*range(leading), *broadcast]
    return grad.sum(dim=dims, keepdim=True).reshape(shape) if dims else grad.reshape(shape)
