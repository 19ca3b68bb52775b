"""``aekit text index`` and ``aekit text search``: find documents by semantic hash."""

from __future__ import annotations

import csv

import click

from aekit._atomic import atomic_path
from aekit.cli.options import check_output, check_output_folder, default_of, overwrite_option
from aekit.text.index import SemanticHashIndex
from aekit.errors import ConfigError


@click.group()
def text() -> None:
    """Search text files by semantic hash: short binary codes learned by an auto-encoder."""


@text.command("index")
@click.option("--docs", required=True, type=click.Path(), help="Folder of text files (read recursively).")
@click.option("--bits", type=int, default=default_of(SemanticHashIndex.build, "bits"), show_default=True,
              help="Hash length: a multiple of 8 from 8 to 256.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Index folder to write.")
@click.option("--max-words", type=int, default=default_of(SemanticHashIndex.build, "max_words"),
              show_default=True,
              help="Vocabulary size: the most frequent words kept (stop words excluded).")
@click.option("--strip-headers", is_flag=True,
              help="Drop mail/news headers (From:, Path:, ...) at the top of files; keep the Subject.")
@click.option("--epochs", type=int, default=default_of(SemanticHashIndex.build, "epochs"), show_default=True,
              help="Training epochs of the auto-encoder.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--no-vectors", is_flag=True, help="Do not keep TF-IDF vectors (smaller index; no --refine).")
@click.option("--overwrite", is_flag=True, help="Replace an index already in OUT.")
def index(docs, bits, out, max_words, strip_headers, epochs, seed, no_vectors, overwrite):
    """Hash every text file under DOCS and write a searchable index to OUT."""
    from aekit.text.index import INDEX_JSON

    check_output_folder(out, overwrite=overwrite, holds=INDEX_JSON, what="an index")
    if epochs < 1:
        raise ConfigError(f"--epochs must be at least 1, got {epochs}")
    built = SemanticHashIndex.from_folder(docs, bits, strip_headers=strip_headers, max_words=max_words,
                                          epochs=epochs, random_state=seed, keep_vectors=not no_vectors)
    built.save(out)
    click.echo(f"indexed {built.n_docs:,} documents from {docs} as {built.bits}-bit hashes "
               f"({len(built.vectorizer.vocabulary_):,} words); wrote {out}")


@text.command("search")
@click.argument("index_dir", metavar="INDEX", type=click.Path(file_okay=False))
@click.argument("query")
@click.option("-k", "k", type=int, default=default_of(SemanticHashIndex.search, "k"), show_default=True,
              help="Documents to return.")
@click.option("--refine", is_flag=True,
              help="Re-rank the best 10*K by Hamming distance by TF-IDF cosine (more precise).")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Also write the results as CSV.")
@overwrite_option
def search(index_dir, query, k, refine, out, overwrite):
    """Find the K documents of INDEX nearest to the text QUERY."""
    check_output(out, overwrite=overwrite, inputs=(index_dir,), suffixes=(".csv",), what="CSV files")
    found = SemanticHashIndex.load(index_dir)
    hits = found.search(query, k, refine=refine)
    columns = ["rank", "distance"] + (["cosine"] if refine else []) + ["name", "title"]
    rows = [{"rank": rank + 1, "distance": int(hits.distances[rank]), "name": hits.names[rank],
             "title": hits.titles[rank], "cosine": "" if hits.cosines is None else f"{hits.cosines[rank]:.3f}"}
            for rank in range(len(hits.indices))]
    width = max(len(r["name"]) for r in rows)
    click.echo("  ".join(["rank", "bits"] + (["cosine"] if refine else []) + ["name".ljust(width), "title"]))
    for r in rows:
        cells = [f"{r['rank']:4d}", f"{r['distance']:4d}"] + ([f"{r['cosine']:>6}"] if refine else [])
        click.echo("  ".join(cells + [r["name"].ljust(width), r["title"]]))
    if out:
        with atomic_path(out) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        click.echo(f"wrote {out}")
