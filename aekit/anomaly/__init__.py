"""Anomaly detection with auto-encoders: :class:`AnomalyDetector` and its table handling."""

from aekit.anomaly.detector import AnomalyDetector
from aekit.anomaly.tabular import TableEncoder

__all__ = ["AnomalyDetector", "TableEncoder"]
