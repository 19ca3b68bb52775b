"""``aekit cluster``: find clusters in data with DeepClustering, or assign data to the
clusters of a saved one."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from aekit._atomic import atomic_path
from aekit.cli.kinds import load_for
from aekit.cli.options import (ARRAY_SUFFIXES, check_output, check_output_folder, data_options,
                               load_input, load_input_for, overwrite_option, write_array)
from aekit.errors import ConfigError
from aekit.io import CONFIG
from aekit.plots import PICTURE_FORMATS
from aekit.represent.cluster import DeepClustering
from aekit.represent.pictures import save_cluster_picture

DEFAULTS = DeepClustering().get_params()


@click.command()
@data_options
@click.option("--clusters", "n_clusters", type=click.IntRange(1), default=None,
              help="How many clusters to find (needed unless --model is given).")
@click.option("--model", type=click.Path(), default=None,
              help="A saved clusterer (--save-model): assign DATA to its clusters, no training.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Cluster of each sample: .csv (a name or row column, then cluster) or .npy.")
@click.option("--png", default=None, type=click.Path(dir_okay=False),
              help="Also draw the clusters: members of each for images, a scatter for tables.")
@click.option("--epochs", type=click.IntRange(1), default=None,
              help="Auto-encoder epochs. Default: at least 50 and at least 5,000 steps.")
@click.option("--save-model", type=click.Path(file_okay=False), default=None,
              help="Save the clusterer here, to assign new data later with --model.")
@click.option("--device", default=DEFAULTS["device"], show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@overwrite_option
def cluster(data, split, image_size, label_column, n_clusters, model, out, png, epochs,
            save_model, device, seed, quiet, overwrite):
    """Cluster DATA without labels: auto-encoder codes, UMAP, a Gaussian mixture (N2D)."""
    check_output(out, overwrite=overwrite, inputs=(data, model), suffixes=ARRAY_SUFFIXES)
    check_output(png, overwrite=overwrite, inputs=(data, model), suffixes=PICTURE_FORMATS,
                 option="--png", what="pictures")
    if model is None and n_clusters is None:
        raise ConfigError("pass --clusters K (how many clusters to find), or --model with a "
                          "saved clusterer")
    if save_model:
        check_output_folder(save_model, overwrite=overwrite, holds=CONFIG, what="a model")
    if model is not None:
        clusterer = load_for(model, "cluster --model", device=device)
        if n_clusters is not None and n_clusters != clusterer.n_clusters:
            raise ConfigError(f"{model} has {clusterer.n_clusters} clusters, not --clusters "
                              f"{n_clusters}; leave --clusters out with --model")
        loaded = load_input_for(clusterer, data, split, image_size, label_column)
        labels = clusterer.predict(loaded.X)
    else:
        loaded = load_input(data, split, image_size, label_column)
        clusterer = DeepClustering(n_clusters=n_clusters, epochs=epochs, device=device,
                                   random_state=seed, verbose=False if quiet else "auto")
        labels = clusterer.fit(loaded.X).labels_
    sizes = np.bincount(labels, minlength=clusterer.n_clusters)
    click.echo(f"{len(labels):,} samples from {loaded.source} in {clusterer.n_clusters} clusters "
               f"of sizes {', '.join(map(str, sizes))}")
    click.echo(f"wrote {_write_labels(out, labels, loaded.names)}")
    if png:
        points = clusterer.embedding_ if model is None else clusterer.transform(loaded.X)
        click.echo(f"wrote {save_cluster_picture(png, loaded.X, labels, clusterer.n_clusters, points=points)}")
    if save_model and model is None:
        clusterer.save(save_model)
        click.echo(f"wrote the clusterer to {save_model} (assign new data: aekit cluster "
                   f"--model {save_model} --data NEW --out labels.csv)")


def _write_labels(path, labels: np.ndarray, names) -> Path:
    import pandas as pd

    path = Path(path)
    if path.suffix.lower() != ".csv":
        return write_array(path, labels)
    ids = {"name": list(names)} if names else {"row": np.arange(len(labels))}
    with atomic_path(path) as tmp:
        pd.DataFrame({**ids, "cluster": labels}).to_csv(tmp, index=False)
    return path
