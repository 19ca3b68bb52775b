"""Faces vs non-faces with the default anomaly detector (issue 6's image example).

Trains on 70 of scikit-image's LFW faces and scores the other 30 faces and the 100
non-face crops; prints ROC-AUC and the flag rates (the same step the demo runs).

    python -m benchmarks.faces
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from aekit.demo.anomaly import faces_anomaly_step


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        result = faces_anomaly_step(Path(out), verbose=False)
    print(f"## {result.title}")
    for line in result.lines:
        print(line)


if __name__ == "__main__":
    main()
