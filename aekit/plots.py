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


def save_embedding_plot(path, panels: dict, labels=None, *, title: str | None = None,
                        class_names=None) -> Path:
    """One scatter plot per 2-D embedding, side by side, coloured by label when given.

    ``panels`` maps a panel title to an (N, 2) array; ``labels`` has one entry per point.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_points = len(next(iter(panels.values())))
    size = float(np.clip(4000 / max(n_points, 1), 0.5, 20))  # small dots for many points
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.6), squeeze=False)
    classes = None if labels is None else np.unique(labels)
    colours = _class_colours(len(classes)) if classes is not None else None
    for ax, (panel_title, points) in zip(axes[0], panels.items()):
        if classes is None:
            ax.scatter(points[:, 0], points[:, 1], s=size, c="0.3", linewidths=0)
        else:
            for colour, cls in zip(colours, classes):
                mask = labels == cls
                name = class_names[cls] if class_names is not None else cls
                ax.scatter(points[mask, 0], points[mask, 1], s=size, color=colour,
                           linewidths=0, label=str(name))
        ax.set_title(panel_title, fontsize=9)
        ax.set_xticks([]), ax.set_yticks([])
    if classes is not None and len(classes) <= 20:
        axes[0, -1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8,
                           markerscale=max(1.0, 6 / np.sqrt(size)), frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return path


def _class_colours(n: int) -> list:
    import matplotlib

    name = "tab10" if n <= 10 else "tab20" if n <= 20 else "viridis"
    cmap = matplotlib.colormaps[name]
    if name == "viridis":
        return [cmap(i / max(n - 1, 1)) for i in range(n)]
    return [cmap(i) for i in range(n)]
