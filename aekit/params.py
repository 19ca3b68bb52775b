"""Allowed hyper-parameter values, declared as data and checked when ``fit`` starts."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from aekit.errors import ConfigError, InputError


@dataclass(frozen=True)
class Rule:
    allowed: str  # what the error message says is allowed
    check: Callable[[Any], bool]


def is_integer(v: Any) -> bool:
    """An integer of any kind (numpy's too), but not a bool."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def is_real(v: Any) -> bool:
    """A real number of any kind, but not a bool."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


_is_int, _is_real = is_integer, is_real  # the names inside this module


def integer(low: int = 0) -> Rule:
    return Rule(f"an integer >= {low}", lambda v: _is_int(v) and v >= low)


def real(low: float = 0.0, high: float = float("inf"), *, open_high: bool = False) -> Rule:
    bracket = ")" if open_high else "]"
    return Rule(f"a number in [{low}, {high}{bracket}",
                lambda v: _is_real(v) and low <= v and (v < high if open_high else v <= high))


def interval(low: float, high: float, *, open_low: bool = False, open_high: bool = False) -> Rule:
    """A number between ``low`` and ``high``, each end open or closed."""
    text = f"a number in {'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
    return Rule(text, lambda v: _is_real(v) and (low < v if open_low else low <= v)
                and (v < high if open_high else v <= high))


def finite(low: float = -math.inf) -> Rule:
    """A finite number >= ``low``."""
    text = "a finite number" if low == -math.inf else f"a finite number >= {low:g}"
    return Rule(text, lambda v: _is_real(v) and math.isfinite(v) and v >= low)


def options(*values: Any) -> Rule:
    return Rule(f"one of {', '.join(repr(v) for v in values)}", lambda v: v in values)


def either(*rules: Rule) -> Rule:
    return Rule(" or ".join(r.allowed for r in rules), lambda v: any(r.check(v) for r in rules))


def sizes() -> Rule:
    return Rule("None or a sequence of integers >= 1",
                lambda v: v is None or (isinstance(v, (list, tuple)) and len(v) > 0
                                        and all(_is_int(s) and s >= 1 for s in v)))


def instance_of(cls: type) -> Rule:
    return Rule(f"None or a {cls.__module__}.{cls.__name__}",
                lambda v: v is None or isinstance(v, cls))


NONE = Rule("None", lambda v: v is None)
RANDOM_STATE = Rule("None, an integer or a numpy RandomState",
                    lambda v: v is None or _is_int(v) or isinstance(v, np.random.RandomState))
DEVICE = Rule("'auto', 'cpu', 'cuda' or 'cuda:N'", lambda v: isinstance(v, str))
VERBOSE = options("auto", True, False)
BOOLEAN = Rule("True or False", lambda v: isinstance(v, bool))
PATH = Rule("None or a folder path", lambda v: v is None or isinstance(v, str) or hasattr(v, "__fspath__"))


def check_argument(name: str, value: Any, rule: Rule) -> None:
    """For a method's argument (not a parameter): InputError naming it and what is allowed."""
    if not rule.check(value):
        raise InputError(f"{name} must be {rule.allowed}, got {value!r}")


def check_params(estimator: Any, rules: dict[str, Rule]) -> None:
    """Raise ConfigError naming the first parameter whose value is not allowed."""
    name = type(estimator).__name__
    for param, rule in rules.items():
        value = getattr(estimator, param)
        if not rule.check(value):
            raise ConfigError(f"{name}: {param} must be {rule.allowed}, got {value!r}")
