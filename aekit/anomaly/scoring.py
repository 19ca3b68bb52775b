"""How reconstruction residuals and codes become one anomaly score.

Each member ``k`` of the ensemble gives a row two numbers, both about 1 for a typical
training row:

* **reconstruction**: the mean over features of ``(residual / s_jk)^2``, where ``s_jk``
  is member ``k``'s RMS residual on feature ``j`` over its training rows (floored, so a
  perfectly rebuilt constant column cannot divide by zero). A feature the net always
  rebuilds well counts more when it suddenly is not. Divided by its training median.
* **code**: the squared Mahalanobis distance of the row's code from the training codes,
  per code dimension, divided by its training median. A row the net rebuilds well can
  still be anomalous because its code lies far from where normal rows land (an extreme
  value along the data's main directions): reconstruction error alone misses those.

The score is the mean over members of the sum of the two (``scoring="combined"``), or of
the reconstruction part alone (``scoring="reconstruction"``). Higher = more anomalous.
Everything is float64 and finite: floors keep every division away from zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

RESIDUAL_FLOOR = 0.05  # in robust-scaled units: 1/20 of a typical feature's spread
COVARIANCE_RIDGE = 1e-3
MEDIAN_FLOOR = 1e-12


@dataclass
class ScoreStats:
    resid_scale: torch.Tensor  # (K, F)
    code_mean: torch.Tensor  # (K, C)
    code_precision: torch.Tensor  # (K, C, C)
    recon_median: torch.Tensor  # (K,)
    code_median: torch.Tensor  # (K,)

    NAMES = ("resid_scale", "code_mean", "code_precision", "recon_median", "code_median")

    @classmethod
    def fit(cls, resid: torch.Tensor, code: torch.Tensor) -> "ScoreStats":
        """From each member's residuals (N, K, F) and codes (N, K, C) on its training rows."""
        resid, code = resid.double(), code.double()
        resid_scale = resid.pow(2).mean(0).sqrt().clamp_min(RESIDUAL_FLOOR)
        code_mean = code.mean(0)
        centred = code - code_mean
        n_code = code.shape[2]
        cov = torch.einsum("nkc,nkd->kcd", centred, centred) / max(len(code) - 1, 1)
        # a ridge relative to the code's scale keeps the inverse finite for collapsed codes
        scale = cov.diagonal(dim1=1, dim2=2).mean(1).clamp_min(1e-12)[:, None, None]
        eye = torch.eye(n_code, dtype=cov.dtype)
        precision = torch.linalg.inv(cov + COVARIANCE_RIDGE * scale * eye)
        stats = cls(resid_scale, code_mean, precision,
                    torch.ones(resid.shape[1], dtype=torch.float64),
                    torch.ones(resid.shape[1], dtype=torch.float64))
        recon, code_part = stats.parts(resid, code)
        stats.recon_median = recon.median(0).values.clamp_min(MEDIAN_FLOOR)
        stats.code_median = code_part.median(0).values.clamp_min(MEDIAN_FLOOR)
        return stats

    def feature_errors(self, resid: torch.Tensor) -> torch.Tensor:
        """(N, K, F) residuals -> (N, F) normalised squared errors, averaged over members,
        on the scale of the reconstruction part (their mean over F is that part)."""
        squared = (resid.double() / self.resid_scale).pow(2) / self.recon_median[:, None]
        return squared.mean(1)

    def parts(self, resid: torch.Tensor, code: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, K) reconstruction part and (N, K) code part."""
        recon = (resid.double() / self.resid_scale).pow(2).mean(2) / self.recon_median
        centred = code.double() - self.code_mean
        mahalanobis = torch.einsum("nkc,kcd,nkd->nk", centred, self.code_precision, centred)
        return recon, mahalanobis.clamp_min(0) / code.shape[2] / self.code_median

    def score(self, resid: torch.Tensor, code: torch.Tensor, kind: str) -> torch.Tensor:
        recon, code_part = self.parts(resid, code)
        total = recon + code_part if kind == "combined" else recon
        return total.mean(1)

    def tensors(self) -> dict[str, torch.Tensor]:
        return {f"stats.{name}": getattr(self, name) for name in self.NAMES}

    @classmethod
    def from_tensors(cls, tensors: dict[str, torch.Tensor]) -> "ScoreStats":
        return cls(**{name: tensors[f"stats.{name}"].double() for name in cls.NAMES})
