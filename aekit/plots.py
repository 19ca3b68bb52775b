"""Pictures a person would rather look at than read (matplotlib, no display needed).

The file name's suffix picks the format: PNG, or JPEG (written by Pillow through
matplotlib); any other suffix is refused before anything is drawn, so a ``.jpg`` never
holds PNG bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aekit._atomic import atomic_path
from aekit.errors import DataError

PICTURE_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}


def picture_format(path) -> str:
    """The format to write ``path`` in, from its suffix; an unknown suffix is refused."""
    suffix = Path(path).suffix.lower()
    if suffix not in PICTURE_FORMATS:
        raise DataError(f"cannot write a picture to '{path}': use a file name ending in "
                        f"{', '.join(PICTURE_FORMATS)}")
    return PICTURE_FORMATS[suffix]


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


def _save_picture(fig, path, title: str | None, *, fontsize: int = 10, tight: bool = False) -> Path:
    """Title the figure, write it in the format of ``path``'s suffix atomically and free it."""
    import matplotlib.pyplot as plt

    try:
        kind = picture_format(path)
        if title:
            fig.suptitle(title, fontsize=fontsize)
        if tight:
            fig.tight_layout()
        path = Path(path)
        extra = {"pil_kwargs": {"quality": 95}} if kind == "jpeg" else {}
        with atomic_path(path) as tmp:  # creates the parent folder
            fig.savefig(tmp, format=kind, dpi=100, bbox_inches=None if tight else "tight", **extra)
    finally:
        plt.close(fig)
    return path


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
    return _save_picture(fig, path, title, fontsize=9, tight=True)


def save_embedding_plot(path, panels: dict, labels=None, *, title: str | None = None,
                        class_names=None) -> Path:
    """One scatter plot per 2-D embedding, side by side, coloured by label when given.

    ``panels`` maps a panel title to an (N, 2) array; ``labels`` has one entry per point.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_points = len(next(iter(panels.values())))
    size = float(np.clip(8000 / max(n_points, 1), 1.5, 20))  # small dots for many points
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
    return _save_picture(fig, path, title, tight=True)


def _class_colours(n: int) -> list:
    import matplotlib

    name = "tab10" if n <= 10 else "tab20" if n <= 20 else "viridis"
    cmap = matplotlib.colormaps[name]
    if name == "viridis":
        return [cmap(i / max(n - 1, 1)) for i in range(n)]
    return [cmap(i) for i in range(n)]


def save_image_grid(path, images, *, n_cols: int = 8, title: str | None = None,
                    row_labels=None, value_range=None) -> Path:
    """Draw ``images`` row by row, ``n_cols`` to a row (samples, strips, traversals).

    ``value_range`` is (low, high) mapped to black and white; by default the images' own
    minimum and maximum. ``row_labels`` names each row on its left.
    """
    return save_image_panels(path, {"": images}, n_cols=n_cols, title=title,
                             row_labels=row_labels, value_range=value_range)


def save_image_panels(path, panels: dict, *, n_cols: int = 8, title: str | None = None,
                      row_labels=None, value_range=None) -> Path:
    """Several image grids side by side, each under its title (e.g. plain AE vs VAE)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grids = {name: _as_images(images) for name, images in panels.items()}
    n_rows = max(-(-len(g) // n_cols) for g in grids.values())
    fig = plt.figure(figsize=(0.75 * n_cols * len(grids) + 0.3 * (len(grids) - 1),
                              0.75 * n_rows + (0.5 if title else 0.2) + (0.3 if len(grids) > 1 else 0)))
    outer = fig.add_gridspec(1, len(grids), wspace=0.08)
    for i, (name, grid) in enumerate(grids.items()):
        low, high = value_range if value_range is not None else (float(grid.min()), float(grid.max()))
        inner = outer[i].subgridspec(n_rows, n_cols, wspace=0.04, hspace=0.04)
        for j in range(n_rows * n_cols):
            ax = fig.add_subplot(inner[j // n_cols, j % n_cols])
            ax.set_xticks([]), ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if j < len(grid):
                image = np.clip((grid[j] - low) / (high - low or 1.0), 0, 1)
                ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            if j == 0 and name:
                ax.set_title(name, fontsize=9, loc="left")
            if row_labels is not None and j % n_cols == 0 and j // n_cols < len(row_labels):
                ax.set_ylabel(str(row_labels[j // n_cols]), fontsize=8, rotation=0,
                              ha="right", va="center")
    return _save_picture(fig, path, title)


def save_photo_rows(path, rows, titles, *, crop: int = 192) -> Path:
    """Photos side by side, one row per list in ``rows`` (arrays on the 0-255 scale,
    (H, W) or (H, W, 3)); each shows the same centre ``crop`` so detail is visible, under
    its title from ``titles`` (a list of lists like ``rows``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_cols = max(len(row) for row in rows)
    fig, axes = plt.subplots(len(rows), n_cols, squeeze=False,
                             figsize=(2.6 * n_cols, 2.8 * len(rows)))
    for r, (row, names) in enumerate(zip(rows, titles)):
        for c in range(n_cols):
            ax = axes[r][c]
            ax.axis("off")
            if c >= len(row):
                continue
            photo = np.asarray(row[c], dtype=np.float64)
            h, w = photo.shape[:2]
            top, left = max(0, (h - crop) // 2), max(0, (w - crop) // 2)
            part = np.clip(photo[top:top + crop, left:left + crop], 0, 255).astype(np.uint8)
            ax.imshow(part, cmap="gray" if part.ndim == 2 else None, vmin=0, vmax=255,
                      interpolation="nearest")
            ax.set_title(names[c], fontsize=9)
    return _save_picture(fig, path, None, tight=True)
