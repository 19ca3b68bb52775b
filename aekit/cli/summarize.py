"""``aekit summarize``: short summaries of documents, and ``aekit summarize train``.

A file holds one document per line and gives one summary per line, in order (an empty
line gives an empty line). A folder of text files gives a CSV of name and summary.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import click

from aekit._atomic import atomic_path
from aekit.cli.options import check_output, check_output_folder
from aekit.errors import ConfigError, DataError, MissingDataError

logger = logging.getLogger(__name__)


@click.group(invoke_without_command=True)
@click.option("--input", "input_path", type=click.Path(),
              help="A text file (one document per line) or a folder of text files.")
@click.option("--out", type=click.Path(),
              help="Summaries: a text file (one per line) for a file, a .csv for a folder.")
@click.option("--model", type=click.Path(file_okay=False), default=None,
              help="A summarizer saved by `aekit summarize train` (default: the shipped one).")
@click.option("--max-words", type=int, default=None,
              help="Words per summary (default: the model's own length).")
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists.")
@click.pass_context
def summarize(ctx, input_path, out, model, max_words, overwrite) -> None:
    """Summarize documents with an auto-encoder whose code is a short text."""
    if ctx.invoked_subcommand is not None:
        return
    if input_path is None or out is None:
        raise ConfigError("give --input (a text file or folder) and --out; "
                          "see `aekit summarize --help`")
    source = Path(input_path)
    if not source.exists():
        raise MissingDataError(f"no file or folder at {source}")
    folder = source.is_dir()
    check_output(out, overwrite=overwrite, inputs=(input_path,),
                 suffixes=(".csv",) if folder else None,
                 what="a CSV file when --input is a folder")
    if max_words is not None and max_words < 1:
        raise ConfigError(f"--max-words must be at least 1, got {max_words}")
    names, texts = _read_folder(source) if folder else (None, _read_lines(source))
    summarizer = _load(model)
    summaries = summarizer.transform(texts, max_words=max_words)
    if summarizer.truncated_:
        logger.warning("%d of %d documents are longer than the summarizer reads (its first "
                       "%d words); they were summarized from their beginning",
                       summarizer.truncated_, len(texts), summarizer.max_doc_words)
    with atomic_path(out) as tmp:
        if folder:
            _write_csv(tmp, names, summaries)
        else:
            tmp.write_text("".join(s + "\n" for s in summaries), encoding="utf-8")
    click.echo(f"summarized {len(texts):,} documents from {source}; wrote {out}")


@summarize.command("train")
@click.option("--docs", required=True, type=click.Path(),
              help="Documents to learn from: a text file (one per line) or a folder of files.")
@click.option("--readable", default=None, type=click.Path(),
              help="Human-written short texts (headlines, titles) NOT paired with the documents, "
                   "for the discriminator: a file (one per line) or a folder.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Model folder to write.")
@click.option("--max-words", type=int, default=8, show_default=True, help="Words per summary.")
@click.option("--max-steps", type=int, default=None, help="Optimizer steps (default: the model's).")
@click.option("--no-discriminator", is_flag=True,
              help="Train the plain auto-encoder (no --readable needed; summaries read less well).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--overwrite", is_flag=True, help="Replace a model already in OUT.")
def train(docs, readable, out, max_words, max_steps, no_discriminator, seed, overwrite) -> None:
    """Learn a summarizer from DOCS and unpaired READABLE texts; save it to OUT."""
    from aekit.text import TextSummarizer

    check_output_folder(out, overwrite=overwrite, holds="config.json", what="a model")
    if readable is None and not no_discriminator:
        raise ConfigError("give --readable (headlines or titles for the discriminator), "
                          "or --no-discriminator")
    documents = _read_corpus(Path(docs))
    headlines = [] if no_discriminator else _read_corpus(Path(readable))
    model = TextSummarizer(max_words=max_words, max_steps=max_steps, random_state=seed,
                           adversarial_weight=0.0 if no_discriminator else 1.0)
    model.fit(documents, readable=headlines or None)
    model.save(out)
    click.echo(f"trained on {model.n_documents_:,} documents and {model.n_readable_:,} "
               f"readable texts; wrote {out}")


def _load(model):
    if model is None:
        from aekit.text.shipped import shipped_summarizer

        return shipped_summarizer()
    from aekit.cli.kinds import load_for

    return load_for(model, "summarize --model")


def _read_lines(path: Path) -> list[str]:
    from aekit.data.text import decode

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from None
    if b"\0" in raw[:8192]:
        raise DataError(f"{path} looks binary, not text (one document per line)")
    text, latin1 = decode(raw)
    if latin1:
        logger.warning("%s is not UTF-8; read it as latin-1", path)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise DataError(f"{path} holds no text (one document per line)")
    return lines


def _read_folder(path: Path) -> tuple[list[str], list[str]]:
    from aekit.data.text import read_text_folder

    docs = read_text_folder(path)
    return docs.names, [" ".join(t.split()) for t in docs.texts]


def _read_corpus(path: Path) -> list[str]:
    if not path.exists():
        raise MissingDataError(f"no file or folder at {path}")
    texts = _read_folder(path)[1] if path.is_dir() else _read_lines(path)
    return [t for t in texts if t.strip()]


def _write_csv(path, names, summaries) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "summary"])
        writer.writerows(zip(names, summaries))
