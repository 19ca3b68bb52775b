"""``aekit impute fit|apply``: fill the missing cells of tables with a masked auto-encoder."""

from __future__ import annotations

import click

from aekit.cli.kinds import load_for
from aekit.cli.options import check_output, check_output_folder, overwrite_option
from aekit.data.tables import TABLE_SUFFIXES, read_table
from aekit.impute import MaskedImputer
from aekit.impute.files import impute_file
from aekit.io import CONFIG

DEFAULTS = MaskedImputer().get_params()
DATA = click.option("--data", required=True, type=click.Path(dir_okay=False),
                    help="CSV/TSV (maybe gzipped) or Parquet table; empty cells are missing, "
                         "text columns are categorical.")


@click.group()
def impute() -> None:
    """Fill missing values: fit on a table with holes, then fill it or new tables."""


@impute.command()
@DATA
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Imputer folder to write.")
@click.option("--categorical", default=None,
              help="Comma-separated numeric columns to treat as categories.")
@click.option("--mask-ratio", type=float, default=DEFAULTS["mask_ratio"], show_default=True,
              help="Average share of observed cells hidden per row in training.")
@click.option("--steps", type=click.IntRange(1), default=None,
              help=f"Optimizer steps [default: {MaskedImputer.DEFAULT_STEPS}].")
@click.option("--add-indicator", is_flag=True, help="Also write a 0/1 '<column>_missing' column "
                                                    "per column that had missing cells.")
@click.option("--device", default=DEFAULTS["device"], show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace an imputer already in OUT.")
def fit(data, out, categorical, mask_ratio, steps, add_indicator, device, seed, overwrite):
    """Learn to fill DATA's missing cells; save the imputer to OUT."""
    check_output_folder(out, overwrite=overwrite, holds=CONFIG, what="a model")
    frame = read_table(data)
    imputer = MaskedImputer(mask_ratio=mask_ratio, max_steps=steps, add_indicator=add_indicator,
                            categorical=categorical.split(",") if categorical else None,
                            device=device, random_state=seed).fit(frame)
    imputer.save(out)
    n_missing = int(frame.isna().to_numpy().sum())
    click.echo(f"fitted on {len(frame)} rows x {frame.shape[1]} columns of {data} "
               f"({n_missing} missing cells)")
    click.echo(f"saved imputer to {out}")


@impute.command()
@click.argument("model", type=click.Path())
@DATA
@click.option("--out", required=True, help="CSV/TSV or Parquet to write: DATA with its "
                                           "missing cells filled, same columns and order.")
@click.option("--chunk-size", type=click.IntRange(1), default=100_000, show_default=True,
              help="Rows read, filled and written at a time.")
@overwrite_option
def apply(model, data, out, chunk_size, overwrite):
    """Fill the missing cells of DATA with the imputer in MODEL; write OUT."""
    out = check_output(out, overwrite=overwrite, inputs=[data], suffixes=TABLE_SUFFIXES,
                       what="tables")
    imputer = load_for(model, "impute apply")
    rows, filled = impute_file(imputer, data, out, chunk_size=chunk_size)
    click.echo(f"filled {filled} cells in {rows} rows of {data}; wrote {out}")
