"""Activation functions by name, so configs can store them as plain strings."""

from torch import nn

from aekit.registry import ACTIVATIONS

for _name, _cls in {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,  # Hinton & Salakhutdinov's logistic units
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
}.items():
    ACTIVATIONS.register(_name)(_cls)


def make_activation(name: str) -> nn.Module:
    return ACTIVATIONS.get(name)()
