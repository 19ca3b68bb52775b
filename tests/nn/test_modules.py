"""The torch parts: shapes, the exact contractive penalty, corruptions, the registry."""

import pytest
import torch

from aekit.train import StepInfo

from aekit.errors import ConfigError
from aekit.nn import AutoEncoderModule, ConvDecoder, ConvEncoder, ReconstructionObjective, corrupt
from aekit.nn.mlp import mlp_decoder, mlp_encoder
from aekit.nn.objective import contractive_penalty
from aekit.registry import ARCHITECTURES


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 25, 25), (1, 8, 8), (2, 13, 30)])
def test_conv_decoder_returns_the_input_shape(shape):
    channels = (8, 16, 16)
    module = AutoEncoderModule(ConvEncoder(shape, channels, 5), ConvDecoder(shape, channels, 5))
    out = module(torch.rand(3, *shape))
    assert out.code.shape == (3, 5)
    assert out.x_hat.shape == (3, *shape)


def test_sigmoid_output_lies_in_unit_range_and_logits_are_kept():
    module = AutoEncoderModule(mlp_encoder(6, (4,), 2, "relu"), mlp_decoder(2, (4,), 6, "relu"), "sigmoid")
    out = module(torch.randn(5, 6) * 10)
    assert out.x_hat.min() >= 0 and out.x_hat.max() <= 1
    torch.testing.assert_close(out.x_hat, torch.sigmoid(out.logits))


def test_contractive_penalty_is_the_exact_jacobian_norm():
    torch.manual_seed(0)
    encoder = mlp_encoder(5, (7,), 3, "tanh")
    x = torch.randn(4, 5)
    jac = torch.autograd.functional.jacobian(encoder, x)  # (4, 3, 4, 5)
    expected = sum(jac[i, :, i, :].pow(2).sum() for i in range(4)) / 4
    torch.testing.assert_close(contractive_penalty(encoder, x), expected, rtol=1e-5, atol=1e-6)


def test_corruptions_change_the_input_as_documented():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(200, 50) * 0.8 + 0.1
    masked = corrupt(x, "masking", 0.3, gen)
    assert abs((masked == 0).float().mean().item() - 0.3) < 0.02
    noisy = corrupt(x, "gaussian", 0.5, gen)
    assert abs((noisy - x).std().item() - 0.5) < 0.02
    salted = corrupt(x, "salt_pepper", 0.2, gen)
    changed = salted != x
    assert abs(changed.float().mean().item() - 0.2) < 0.02
    assert set(salted[changed].unique().tolist()) <= {x.min().item(), x.max().item()}
    assert corrupt(x, None, 0.5, gen) is x


def test_objective_reports_each_term_and_their_weighted_sum():
    torch.manual_seed(0)
    module = AutoEncoderModule(mlp_encoder(6, (4,), 2, "tanh"), mlp_decoder(2, (4,), 6, "tanh"))
    objective = ReconstructionObjective("mse", "gaussian", 0.1, contractive=0.5, sparsity=0.25)
    info = StepInfo(0, 0, 1, 1, "main", torch.Generator().manual_seed(1))
    total, terms, _ = objective(module, torch.rand(8, 6), info)
    assert set(terms) == {"reconstruction", "contractive", "sparsity"}
    expected = terms["reconstruction"] + 0.5 * terms["contractive"] + 0.25 * terms["sparsity"]
    torch.testing.assert_close(total.detach(), expected)


def test_unknown_names_list_the_choices():
    with pytest.raises(ConfigError, match="unknown architecture 'transformer'.*conv, mlp"):
        ARCHITECTURES.get("transformer")
