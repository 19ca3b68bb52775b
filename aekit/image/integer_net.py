"""An integer copy of a small convolution network, for the parts of a codec that both
the encoder and the decoder must compute identically.

The hyperprior's synthesis turns the decoded hyper-latent into the scales that choose
the coding table of every latent. Run in floating point, two machines may round one
scale differently, pick different tables, and the decoder then reads garbage (Ballé,
Johnston & Minnen 2019, "Integer networks for data compression"). Here the trained
weights are frozen as fixed-point integers; activations are fixed-point integers too;
each layer is computed in float64 on integer values, where every product and partial
sum is an integer below 2**53 and so exact in any summation order. Rescaling is a floor
division by a power of two (exact). The result is the same on every machine and batch
size, by construction; :func:`check_exact` verifies the 2**53 bound from the weights.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

WEIGHT_BITS = 12  # fractional bits of the frozen weights
ACTIVATION_BITS = 8  # fractional bits of the activations
EXACT = 2.0 ** 53


def _layers(net: nn.Sequential):
    return [m for m in net if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]


def freeze(net: nn.Sequential) -> dict[str, torch.Tensor]:
    """The fixed-point weights and biases of the convolutions of ``net`` (a Sequential of
    convolutions and ReLUs), as integer-valued float64 tensors."""
    frozen = {}
    for i, layer in enumerate(_layers(net)):
        w = torch.round(layer.weight.detach().double() * 2.0 ** WEIGHT_BITS)
        b = torch.round(layer.bias.detach().double() * 2.0 ** (WEIGHT_BITS + ACTIVATION_BITS))
        frozen[f"w{i}"], frozen[f"b{i}"] = w, b
    return frozen


def check_exact(net: nn.Sequential, frozen: dict[str, torch.Tensor], input_bound: float) -> None:
    """Raise if some input with ``|value| <= input_bound`` (real units) could push a sum
    past 2**53, where float64 stops being exact."""
    bound = input_bound * 2.0 ** ACTIVATION_BITS
    for i, layer in enumerate(_layers(net)):
        w, b = frozen[f"w{i}"], frozen[f"b{i}"]
        dim = 1 if isinstance(layer, nn.ConvTranspose2d) else 0  # the output channels
        per_output = w.abs().transpose(0, dim).reshape(w.shape[dim], -1).sum(1)
        total = bound * float(per_output.max()) + float(b.abs().max())
        if total >= EXACT:
            raise ArithmeticError(f"layer {i} of the integer network could reach {total:.3g}, "
                                  f"beyond float64's exact integers")
        bound = total / 2.0 ** WEIGHT_BITS + 1


def run(net: nn.Sequential, frozen: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """``net`` applied to ``x`` (integer-valued float64 in fixed point, ACTIVATION_BITS
    fractional bits) in exact integer arithmetic; the output in the same fixed point."""
    i = 0
    for module in net:
        if isinstance(module, nn.Conv2d):
            x = F.conv2d(x, frozen[f"w{i}"], frozen[f"b{i}"], module.stride, module.padding)
        elif isinstance(module, nn.ConvTranspose2d):
            x = F.conv_transpose2d(x, frozen[f"w{i}"], frozen[f"b{i}"], module.stride,
                                   module.padding, module.output_padding)
        elif isinstance(module, nn.ReLU):
            x = torch.clamp_min(x, 0.0)
            continue
        else:
            raise TypeError(f"no integer form for {type(module).__name__}")
        x = torch.floor(x / 2.0 ** WEIGHT_BITS)  # back to ACTIVATION_BITS fractional bits
        i += 1
    return x
