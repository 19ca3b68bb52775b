"""``aekit index`` and ``aekit search``: similar items by nearest codes."""

from __future__ import annotations

import csv

import click

from aekit._atomic import atomic_path
from aekit.cli.options import (check_output, check_output_folder, data_options, default_of,
                               load_input, load_input_for, overwrite_option)
from aekit.search.codes import METRICS, SEARCH_KINDS, CodeIndex, check_query
from aekit.errors import ConfigError, InputError


@click.command()
@click.argument("model", type=click.Path())
@data_options
@click.option("--metric", type=click.Choice(METRICS), default=default_of(CodeIndex.build, "metric"),
              show_default=True)
@click.option("--search", "search_kind", type=click.Choice(SEARCH_KINDS),
              default=default_of(CodeIndex.build, "search"), show_default=True,
              help="exact (flat) or approximate (HNSW graph); auto: approximate above 500,000 items.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Index folder to write.")
@click.option("--overwrite", is_flag=True, help="Replace an index already in OUT.")
def index(model, data, split, image_size, label_column, metric, search_kind, out, overwrite):
    """Encode DATA with MODEL and write a searchable index to OUT."""
    from aekit.cli.kinds import load_for

    check_output_folder(out, overwrite=overwrite, holds="index.json", what="an index")
    estimator = load_for(model, "index")
    loaded = load_input_for(estimator, data, split, image_size, label_column)
    built = CodeIndex.build(estimator, loaded.X, loaded.names, metric=metric, search=search_kind)
    built.save(out)
    named = "file names" if loaded.names else "row numbers"
    click.echo(f"indexed {built.n_items:,} items from {loaded.source} by {named} "
               f"({built.search_kind} {metric} search over {built.codes.shape[1]}-D codes); wrote {out}")


@click.command()
@click.argument("index_dir", metavar="INDEX", type=click.Path(file_okay=False))
@click.argument("query")
@click.option("-k", "k", type=int, default=default_of(CodeIndex.search, "k"), show_default=True,
              help="Neighbours per query.")
@click.option("--model", type=click.Path(file_okay=False), default=None,
              help="Encode queries with this model folder; it must be the one that built INDEX.")
@click.option("--resize", is_flag=True,
              help="Resize query images to the model's size and channel count instead of refusing.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Also write the results as CSV.")
@overwrite_option
def search(index_dir, query, k, model, resize, out, overwrite):
    """Find the K items of INDEX nearest to QUERY (an image, a folder of images or an array file)."""
    check_output(out, overwrite=overwrite, inputs=(index_dir, query, model), suffixes=(".csv",),
                 what="CSV files")
    found = CodeIndex.load(index_dir, model=model)
    queries = _load_queries(query, found.model.input_shape_, resize)
    if queries.kind == "image" and not resize:
        try:
            check_query(found.model, queries.X)
        except InputError as exc:
            raise InputError(f"{exc}: pass --resize to resize the query images to the model's "
                             "size and channels") from None
    result = found.search(queries.X, k)
    query_names = queries.names or [f"row {i}" for i in range(len(queries.X))]
    rows = [(q, rank + 1, name, float(dist))
            for q, names, dists in zip(query_names, result.names, result.distances)
            for rank, (name, dist) in enumerate(zip(names, dists))]
    for q_index, q in enumerate(query_names):
        click.echo(f"{q}:")
        for _, rank, name, dist in rows[q_index * k:(q_index + 1) * k]:
            click.echo(f"  {rank:3d}  {dist:10.4f}  {name}")
    if out:
        with atomic_path(out) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["query", "rank", "item", "distance"])
            writer.writerows(rows)
        click.echo(f"wrote {out}")


def _load_queries(query: str, input_shape: tuple, resize: bool):
    if not resize:
        return load_input(query, None, None, None)
    if len(input_shape) != 3 or input_shape[0] not in (1, 3):
        raise ConfigError("--resize works for models of grayscale or RGB images only")
    from aekit.data import load_data

    mode = "L" if input_shape[0] == 1 else "RGB"
    return load_data(query, image_size=tuple(input_shape[1:]), image_mode=mode)
