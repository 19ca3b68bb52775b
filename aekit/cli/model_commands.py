"""``aekit encode``, ``aekit reconstruct`` and ``aekit info``: use a saved model."""

from __future__ import annotations

import json

import click

from aekit.cli.kinds import check_model_folder, load_for
from aekit.cli.options import (ARRAY_SUFFIXES, check_output, data_options, load_input_for,
                               overwrite_option, write_array, write_codes)
from aekit.errors import ConfigError
from aekit.image.codec_files import info as aek_info
from aekit.plots import PICTURE_FORMATS

MODEL = click.argument("model", type=click.Path())


@click.command()
@MODEL
@data_options
@click.option("--out", required=True,
              help="Where to write the codes: .npy, or .csv with a header (a name column of "
                   "file names or row numbers, then code0, code1, ...).")
@click.option("--ids", is_flag=True,
              help="Write the chosen code ids (cluster or codebook entry) of a one-hot or "
                   "vq model instead of the code vectors.")
@overwrite_option
def encode(model, data, split, image_size, label_column, out, ids, overwrite):
    """Write the codes of DATA under MODEL to OUT."""
    check_output(out, overwrite=overwrite, inputs=(model, data), suffixes=ARRAY_SUFFIXES)
    estimator = load_for(model, "encode")
    loaded = load_input_for(estimator, data, split, image_size, label_column)
    X = loaded.X
    if ids and not hasattr(estimator, "predict"):
        what = (f"a {estimator.bottleneck} code" if hasattr(estimator, "bottleneck")
                else f"a {type(estimator).__name__} model")
        raise ConfigError(f"--ids needs a model with a one-hot or vq code; {model} has {what}")
    codes = estimator.predict(X) if ids else estimator.transform(X)
    codes = codes.reshape(len(codes), -1)
    path = write_codes(out, codes, loaded.names, prefix="id" if ids else "code")
    click.echo(f"wrote {codes.shape[0]} codes of size {codes.shape[1]} to {path}")


@click.command()
@MODEL
@data_options
@click.option("--out", required=True, help="Where to write the reconstructions: .npy or .csv.")
@click.option("--png", default=None,
              help="Also draw originals above reconstructions in this picture (.png or .jpg).")
@overwrite_option
def reconstruct(model, data, split, image_size, label_column, out, png, overwrite):
    """Write MODEL's reconstructions of DATA to OUT, with per-sample errors on screen."""
    from aekit.plots import save_reconstruction_grid

    check_output(out, overwrite=overwrite, inputs=(model, data), suffixes=ARRAY_SUFFIXES)
    check_output(png, overwrite=overwrite, inputs=(model, data), suffixes=PICTURE_FORMATS,
                 option="--png")
    estimator = load_for(model, "reconstruct")
    X = load_input_for(estimator, data, split, image_size, label_column).X
    recon = estimator.reconstruct(X)
    errors = estimator.reconstruction_error(X)
    click.echo(f"wrote {len(recon)} reconstructions to {write_array(out, recon)}; "
               f"mean squared error {errors.mean():.5g} (scaled units)")
    if png:
        click.echo(f"wrote {save_reconstruction_grid(png, X, recon)}")


@click.command()
@MODEL
@click.option("--json", "as_json", is_flag=True, help="Print the whole config.json.")
def info(model, as_json):
    """Describe the model saved in MODEL, or the header of an .aek file."""
    if model.lower().endswith(".aek"):
        _print_lines(aek_info(model), as_json)
        return
    config = check_model_folder(model)
    if as_json:
        click.echo(json.dumps(config, indent=2))
        return
    params, fitted = config["params"], config["fitted"]
    lines = _network_lines(params, fitted) if "architecture" in fitted else _scalar_lines(params, fitted)
    if fitted.get("codebook_usage") is not None:
        lines["codes used"] = f"{fitted['codebook_usage']:.1%}"
        lines["code perplexity"] = round(fitted["codebook_perplexity"], 2)
    lines = {"type": config["type"], "aekit version": config.get("aekit_version"), **lines}
    _print_lines(lines, False)


def _print_lines(lines: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(lines, indent=2))
        return
    for key, value in lines.items():
        click.echo(f"{key:>22}: {value}")


def _network_lines(params: dict, fitted: dict) -> dict:
    """An auto-encoder or VAE: its net, its code and how training went."""
    history = fitted.get("history") or [{}]
    return {
        "architecture": fitted.get("architecture"),
        "hidden": params.get("hidden") or "default",
        "code size": fitted.get("code_size"),
        "input shape": tuple(fitted.get("input_shape", ())),
        "objective": params.get("objective"),
        "noise": params.get("noise"),
        "bottleneck": params.get("bottleneck", "continuous"),
        "scaling": fitted.get("scaling"),
        "epochs trained": len(fitted.get("history", [])),
        "best epoch": fitted.get("best_epoch"),
        "last train loss": history[-1].get("train_loss"),
        "last validation loss": history[-1].get("val_loss"),
    }


def _scalar_lines(params: dict, fitted: dict) -> dict:
    """Any other model (e.g. speech units): its settings and fitted numbers that fit a line."""
    lines = {k.replace("_", " "): v for k, v in params.items() if v is not None and not isinstance(v, dict)}
    lines.update({k.replace("_", " "): v for k, v in fitted.items()
                  if isinstance(v, (int, float, str)) and k not in ("codebook_usage", "codebook_perplexity")})
    return lines
