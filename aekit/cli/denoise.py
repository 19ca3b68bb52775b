"""``aekit denoise``: de-noise photo files with the shipped de-noisers or your own."""

from __future__ import annotations

import click

from aekit.cli.kinds import load_for
from aekit.image.apply import denoise_file, plan_outputs


@click.command()
@click.argument("source", metavar="INPUT", type=click.Path())
@click.option("--out", required=True, type=click.Path(),
              help="File to write (for one photo), or folder (for a folder of photos: each "
                   "written under its own name).")
@click.option("--model", default=None, type=click.Path(),
              help="A de-noiser from `aekit train --kind denoiser`; default: the shipped "
                   "one (grayscale or colour, as the photo is).")
@click.option("--sigma", type=click.FloatRange(0, 255), default=None,
              help="Noise level on the 0-255 scale, if known; default: blind.")
@click.option("--overwrite", is_flag=True, help="Replace output files that exist.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def denoise(source, out, model, sigma, overwrite, quiet):
    """De-noise INPUT (a PNG, JPEG or TIFF photo, or a folder of them) into --out; each
    result keeps its photo's size, mode, bit depth and alpha channel."""
    from tqdm.auto import tqdm

    pairs = plan_outputs(source, out, overwrite=overwrite)
    chosen = load_for(model, "denoise --model") if model is not None else None
    for src, dst in tqdm(pairs, unit="photo", disable=quiet or len(pairs) == 1, leave=False):
        for note in denoise_file(src, dst, sigma=sigma, model=chosen):
            click.echo(f"{src}: {note}", err=True)
    click.echo(f"de-noised {len(pairs)} photo(s) into {out}")
