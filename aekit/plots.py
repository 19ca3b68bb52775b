"""PNG pictures a person would rather look at than read (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aekit._atomic import atomic_path


def _as_images(X: np.ndarray) -> np.ndarray:
    """(N, C, H, W), (N, H, W) or (N, D) with square D -> (N, H, W) or (N, H, W, 3)."""
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 2:
        side = int(round(np.sqrt(X.shape[1])))
        if side * side != X.shape[1]:
            return X[:, None, :]  # a table: draw each row as a one-pixel-high strip
        X = X.reshape(len(X), side, side)
    if X.ndim == 4:
        X = X[:, 0] if X.shape[1] == 1 else X[:, :3].transpose(0, 2, 3, 1)
    return X


def save_reconstruction_grid(path, originals, reconstructions, *, n: int = 10,
                             title: str | None = None) -> Path:
    """Originals in the top row, reconstructions below; both on the originals' scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top, bottom = _as_images(originals[:n]), _as_images(reconstructions[:n])
    low, high = float(top.min()), float(top.max())
    scale = lambda a: np.clip((a - low) / (high - low or 1.0), 0, 1)  # noqa: E731
    fig, axes = plt.subplots(2, len(top), figsize=(1.2 * len(top), 2.8), squeeze=False)
    for col in range(len(top)):
        for row, images in enumerate((top, bottom)):
            ax = axes[row, col]
            ax.imshow(scale(images[col]), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
    axes[0, 0].set_ylabel("original")
    axes[1, 0].set_ylabel("rebuilt")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return path
