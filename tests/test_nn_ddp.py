"""smoothfn.nn under DistributedDataParallel: two CPU processes (gloo) train a model with learnable
smooth activations while annealing, and end where one process training on the whole batch ends."""

from __future__ import annotations

import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

import smoothfn

STEPS = 4


def _model() -> nn.Module:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.LeakyReLU(0.1), nn.Linear(4, 4),
                          smoothfn.nn.SAU(num_parameters=4, learnable_width=True), nn.Linear(4, 1))
    model = smoothfn.replace_activations(model, width=0.4, learnable=True)
    model.insert(6, smoothfn.nn.SmoothHardtanh(-0.5, 0.5, width=0.3))  # a fixed width: a buffer DDP broadcasts
    return model


def _data():
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(8, 3, generator=generator)
    return x, torch.sin(x.sum(1, keepdim=True))


def _train(model, x, y) -> dict:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = smoothfn.WidthScheduler(model, 0.7)
    for _ in range(STEPS):
        optimizer.zero_grad()
        torch.mean((model(x) - y) ** 2).backward()
        optimizer.step()
        scheduler.step()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _worker(rank: int, world: int, directory: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{directory}/store", rank=rank, world_size=world)
    try:
        x, y = _data()
        half = x.shape[0] // world
        model = nn.parallel.DistributedDataParallel(_model())
        state = _train(model, x[rank * half:(rank + 1) * half], y[rank * half:(rank + 1) * half])
        torch.save(state, os.path.join(directory, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


@pytest.mark.slow  # two processes that import torch: about 10 s on 2 cores
def test_ddp_matches_single_process_training(tmp_path):
    mp.spawn(_worker, args=(2, str(tmp_path)), nprocs=2)
    states = [torch.load(tmp_path / f"rank{r}.pt") for r in range(2)]
    x, y = _data()
    expected = _train(_model(), x, y)  # the mean of the two halves' mean losses is the whole batch's
    assert {k.removeprefix("module.") for k in states[0]} == set(expected)
    assert any("log_width" in k for k in expected) and any(k.endswith("alpha") for k in expected)
    assert "6.log_width" in expected and "6.log_width" not in dict(_model().named_parameters())
    for state in states:
        for key, value in state.items():
            torch.testing.assert_close(value, expected[key.removeprefix("module.")], rtol=1e-5, atol=1e-6, msg=key)
    assert not torch.equal(expected["1.log_width"], _model().state_dict()["1.log_width"])  # it trained
