"""Masked auto-encoder imputation of missing values in tables."""

from aekit.impute.imputer import MaskedImputer

__all__ = ["MaskedImputer"]
