"""``aekit embed`` and ``aekit probe``: pictures of data, and codes as features."""

from __future__ import annotations

import click
import numpy as np

from aekit.cli.options import (EPOCHS, check_output, check_output_folder, data_options,
                               default_of, load_input, overwrite_option)
from aekit.io import CONFIG
from aekit.plots import PICTURE_FORMATS
from aekit.models.autoencoder import AutoEncoder
from aekit.represent.manifold import CodeManifold
from aekit.represent.probe import linear_probe
from aekit.data import LoadedData
from aekit.errors import ConfigError, InputError
from aekit.registry import EMBEDDINGS


AE_DEFAULTS = AutoEncoder().get_params()


def _labels_of(loaded: LoadedData, labels_file, no_labels: bool = False, *, required: bool = False):
    """Labels from --labels FILE, else those the data came with (a dataset, image
    sub-folders, --label-column); None when there are none and none are required."""
    from aekit.represent.embedding import read_labels

    if no_labels:
        return None
    labels = read_labels(labels_file) if labels_file else loaded.y
    if labels is None and required:
        raise InputError(f"{loaded.source} has no labels: pass --labels FILE (one label per line "
                         "or .npy) or --label-column for a table")
    return labels


def _subsample(loaded: LoadedData, labels, max_samples, seed):
    if max_samples is None or len(loaded.X) <= max_samples:
        return loaded.X, labels
    if max_samples < 2:
        raise ConfigError(f"--max-samples must be at least 2, got {max_samples}")
    if labels is not None and len(labels) != len(loaded.X):
        return loaded.X, labels  # compare_embeddings reports the length mismatch
    rows = np.sort(np.random.default_rng(seed).choice(len(loaded.X), max_samples, replace=False))
    return loaded.X[rows], None if labels is None else np.asarray(labels)[rows]


def _comma_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


@click.command()
@data_options
@click.option("--labels", "labels_file", type=click.Path(dir_okay=False), default=None,
              help="Labels to colour by: .npy or one label per line. Default: the data's own.")
@click.option("--no-labels", is_flag=True, help="Draw uncoloured even when the data has labels.")
@click.option("--methods", default="autoencoder,pca,tsne", show_default=True,
              help=f"Comma-separated, from: {', '.join(EMBEDDINGS.names())}.")
@click.option("--epochs", type=int, default=None,
              help="Auto-encoder training epochs. Default: the auto-encoder's own budget (at least 50 epochs and 5,000 steps).")
@click.option("--max-samples", type=int, default=None,
              help="Embed a random subset of this many samples (t-SNE is slow on large data).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--save-model", type=click.Path(file_okay=False), default=None,
              help="Save the 2-D embedding model here, to embed new points later with `aekit encode`.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Picture to write: .png or .jpg.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@overwrite_option
def embed(data, split, image_size, label_column, labels_file, no_labels, methods, epochs,
          max_samples, seed, save_model, out, quiet, overwrite):
    """Draw 2-D embeddings of DATA side by side and measure them."""
    from aekit.represent.embedding import compare_embeddings

    check_output(out, overwrite=overwrite, inputs=(data, labels_file), suffixes=PICTURE_FORMATS,
                 what="pictures")
    if save_model:
        check_output_folder(save_model, overwrite=overwrite, holds=CONFIG, what="a model")
    loaded = load_input(data, split, image_size, label_column)
    X, labels = _subsample(loaded, _labels_of(loaded, labels_file, no_labels), max_samples, seed)
    autoencoder = CodeManifold(n_components=2, epochs=epochs, random_state=seed,
                               verbose=False if quiet else "auto")
    result = compare_embeddings(X, labels, _comma_list(methods), autoencoder=autoencoder,
                                random_state=seed)
    click.echo(f"{len(X):,} samples from {loaded.source}")
    click.echo(result.table())
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(f"wrote {result.plot(out, title=f'2-D embeddings of {loaded.source}')}")
    if save_model and "autoencoder" in result.models:
        result.models["autoencoder"].save(save_model)
        click.echo(f"wrote the 2-D embedding model to {save_model} (embed new points: "
                   f"aekit encode {save_model} --data NEW --out codes.npy)")


@click.command()
@data_options
@click.option("--labels", "labels_file", type=click.Path(dir_okay=False), default=None,
              help="Labels of DATA: .npy or one label per line. Default: the data's own.")
@click.option("--test-data", default=None,
              help="Held-out labelled data; default: hold out a fifth of DATA.")
@click.option("--test-split", default=None, help="Split of --test-data, e.g. test.")
@click.option("--test-labels", type=click.Path(dir_okay=False), default=None,
              help="Labels of --test-data, when it does not carry its own.")
@click.option("--model", type=click.Path(), default=None,
              help="A trained aekit model to take codes from; default: train one on DATA.")
@click.option("--labels-per-class", default=",".join(map(str, default_of(linear_probe, "labels_per_class"))),
              show_default=True,
              help="Comma-separated k values: labelled samples per class the probe may use.")
@click.option("--code-size", type=int, default=AE_DEFAULTS["code_size"], show_default=True)
@click.option("--epochs", type=EPOCHS, default=AE_DEFAULTS["epochs"], show_default=True)
@click.option("--draws", type=int, default=default_of(linear_probe, "n_draws"), show_default=True,
              help="Random draws of the labelled samples to average over.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def probe(data, split, image_size, label_column, labels_file, test_data, test_split, test_labels,
          model, labels_per_class, code_size, epochs, draws, seed, quiet):
    """Linear probe: logistic regression on few labels, over auto-encoder codes, PCA and raw input."""
    from aekit.cli.options import parse_sizes
    from aekit.cli.kinds import load_for

    loaded = load_input(data, split, image_size, label_column)
    y = _labels_of(loaded, labels_file, required=True)
    X_test = y_test = None
    if test_data is not None:
        held_out = load_input(test_data, test_split, image_size, label_column)
        X_test, y_test = held_out.X, _labels_of(held_out, test_labels, required=True)
    autoencoder = load_for(model, "probe --model") if model else AutoEncoder(
        code_size=code_size, epochs=epochs, random_state=seed, verbose=False if quiet else "auto")
    result = linear_probe(loaded.X, y, X_test=X_test, y_test=y_test, autoencoder=autoencoder,
                          labels_per_class=parse_sizes(labels_per_class), n_draws=draws,
                          random_state=seed)
    click.echo(f"{result.n_train:,} training samples (all used without labels by the auto-encoder "
               f"and PCA), {result.n_test:,} test samples; codes of size {result.code_size}")
    click.echo(result.table())
    for note in result.notes:
        click.echo(f"note: {note}")
