"""smoothfn.nn on models no one here wrote: small random configurations of transformers' models
(built from a config, nothing downloaded), with activations held as modules (BERT, GPT-2,
MobileNetV2's ReLU6) and called functionally inside forward (XLM's ``nn.functional.relu``),
forward with keyword arguments.

transformers is in the test extra (CI installs it); the importorskip only spares a bare install.
"""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

import smoothfn
from smoothfn import nn as snn

transformers = pytest.importorskip("transformers")


def _bert():
    config = transformers.BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=16, hidden_act="relu")
    inputs = {"input_ids": torch.randint(0, 50, (2, 7)), "attention_mask": torch.ones(2, 7, dtype=torch.long)}
    inputs["attention_mask"][1, 5:] = 0
    return transformers.BertModel(config), inputs


def _gpt2():
    config = transformers.GPT2Config(vocab_size=50, n_positions=16, n_embd=16, n_layer=2, n_head=2,
                                     activation_function="relu")
    return transformers.GPT2Model(config), {"input_ids": torch.randint(0, 50, (2, 7))}


def _mobilenet():
    config = transformers.MobileNetV2Config(num_channels=3, image_size=32, depth_multiplier=0.25,
                                            hidden_act="relu6")
    return transformers.MobileNetV2Model(config), {"pixel_values": torch.randn(2, 3, 32, 32)}


MODELS = {  # name: (builder, exact type, the output to compare)
    "bert": (_bert, nn.ReLU, "last_hidden_state"),
    "gpt2": (_gpt2, nn.ReLU, "last_hidden_state"),
    "mobilenet_v2": (_mobilenet, nn.ReLU6, "pooler_output"),
}


def _build(name):
    torch.manual_seed(0)
    build, exact, output = MODELS[name]
    model, inputs = build()
    return model.eval(), inputs, exact, output


@pytest.mark.parametrize("name", MODELS)
def test_replace_and_harden_on_transformers_models(name):
    """Every activation module is replaced (counted against the model's own), gradients reach every
    parameter and the learned widths, and harden gives the original outputs exactly."""
    model, inputs, exact, output = _build(name)
    original = copy.deepcopy(model)
    expected_count = sum(type(m) is exact for m in model.modules())
    assert expected_count >= 2
    with torch.no_grad():
        reference = getattr(original(**inputs), output)

    smoothfn.replace_activations(model, width=0.2, learnable=True)
    report = snn.summary(model)
    smooth = {nn.ReLU: "SmoothReLU", nn.ReLU6: "SmoothReLU6"}[exact]
    assert report.counts == {f"{exact.__name__} → {smooth}": expected_count}
    assert not any(type(m) in snn.REPLACED_TYPES for m in model.modules())

    y = getattr(model(**inputs), output)
    assert y.shape == reference.shape and not torch.equal(y, reference)
    y.square().mean().backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    # GPT-2 and BERT have no pooler gradient through last_hidden_state; MobileNetV2's are all used
    assert all("pooler" in n for n in missing), missing
    widths = [p for n, p in model.named_parameters() if n.endswith("log_width")]
    assert len(widths) == expected_count and all(torch.isfinite(w.grad).all() and w.grad.abs().sum() > 0
                                                 for w in widths)

    smoothfn.harden(model)
    assert repr(model) == repr(original)
    with torch.no_grad():
        assert torch.equal(getattr(model(**inputs), output), reference)


def test_replace_by_sau_in_bert():
    """by= puts SAU where BERT's ReLUs were; it hardens to LeakyReLU with the trained slope."""
    model, inputs, _, output = _build("bert")
    smoothfn.replace_activations(model, by=lambda exact: snn.SAU(num_parameters=1))
    assert snn.summary(model).counts == {"LeakyReLU → SAU": 2}
    getattr(model(**inputs), output).sum().backward()
    assert all(m.alpha.grad is not None for m in model.modules() if isinstance(m, snn.SAU))
    smoothfn.harden(model)
    assert sum(type(m) is nn.LeakyReLU for m in model.modules()) == 2


def _xlm():
    torch.manual_seed(0)
    config = transformers.XLMConfig(vocab_size=50, emb_dim=16, n_layers=2, n_heads=2, max_position_embeddings=16,
                                    gelu_activation=False, dropout=0.0, attention_dropout=0.0)
    return transformers.XLMModel(config).eval(), {"input_ids": torch.randint(0, 50, (2, 7))}


def test_smoothing_reaches_functional_relu_in_xlm():
    """XLM calls nn.functional.relu inside forward (``self.act``): no module to replace, smoothing()
    reaches it, forward and backward, and leaves the model exact again on exit."""
    model, inputs = _xlm()
    assert smoothfn.replace_activations(model, width=0.2) is model and len(snn.summary(model)) == 0
    with torch.no_grad():
        reference = model(**inputs).last_hidden_state
    width = torch.tensor(0.2, requires_grad=True)
    with smoothfn.smoothing(width=width):
        y = model(**inputs).last_hidden_state
        y.square().mean().backward()
    assert not torch.allclose(y.detach(), reference, atol=1e-4)
    assert width.grad is not None and width.grad != 0
    assert all(p.grad is not None for n, p in model.named_parameters() if "ffns" in n)
    with torch.no_grad():
        assert torch.equal(model(**inputs).last_hidden_state, reference)


@pytest.mark.slow  # Inductor compilation of a whole transformer: 20–60 s on 2 busy cores
def test_compile_fullgraph_of_gpt2_with_smooth_activations():
    model, inputs, _, output = _build("gpt2")
    smoothfn.replace_activations(model, width=0.2, learnable=True)
    eager = getattr(model(**inputs), output)
    compiled = torch.compile(model, fullgraph=True)
    got = getattr(compiled(**inputs), output)
    torch.testing.assert_close(got, eager, rtol=1e-5, atol=1e-5)
    got.sum().backward()
    assert all(m.log_width.grad is not None for m in model.modules() if isinstance(m, snn.SmoothReLU))
