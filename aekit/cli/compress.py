"""``aekit compress`` and ``aekit decompress``: photos to .aek files and back, with the
shipped codec or your own."""

from __future__ import annotations

import click

from aekit.cli.kinds import load_for
from aekit.errors import ConfigError
from aekit.image.apply import plan_outputs
from aekit.image.codec_files import (AEK_SUFFIX, DECODED_SUFFIXES, aek_files, compress_file,
                                     decompress_file)
from aekit.image.codec_files import info as aek_info

MODEL = click.option("--model", default=None, type=click.Path(),
                     help="A codec from `aekit train --kind image_codec`; default: the "
                          "shipped one.")
OVERWRITE = click.option("--overwrite", is_flag=True, help="Replace output files that exist.")
QUIET = click.option("--quiet", is_flag=True, help="No progress bar.")


def _codec(model, command: str):
    if model is not None:
        return load_for(model, f"{command} --model")
    from aekit.image.shipped import shipped_codec

    return shipped_codec()


def _each(pairs, quiet: bool):
    from tqdm.auto import tqdm

    return tqdm(pairs, unit="file", disable=quiet or len(pairs) == 1, leave=False)


@click.command()
@click.argument("source", metavar="IN", type=click.Path())
@click.option("--quality", "-q", required=True, type=click.IntRange(1, 8),
              help="1 (smallest file) to 8 (best picture).")
@click.option("--out", required=True, type=click.Path(),
              help="The .aek file to write (for one photo), or a folder (for a folder of "
                   "photos: each written under its own name, ending in .aek).")
@MODEL
@OVERWRITE
@QUIET
def compress(source, quality, out, model, overwrite, quiet):
    """Compress IN (a photo, or a folder of them) into .aek files."""
    pairs = plan_outputs(source, out, overwrite=overwrite, writes=(AEK_SUFFIX,), suffix=AEK_SUFFIX)
    codec = _codec(model, "compress")
    if quality > codec.levels:
        raise ConfigError(f"--quality {quality}: this codec has quality levels 1 to {codec.levels}")
    before = after = 0
    for src, dst in _each(pairs, quiet):
        for note in compress_file(src, dst, codec, quality):
            click.echo(f"{src}: {note}", err=True)
        before, after = before + src.stat().st_size, after + dst.stat().st_size
    click.echo(f"compressed {len(pairs)} photo(s) into {out}: {after:,} bytes "
               f"(the inputs: {before:,})")


@click.command()
@click.argument("source", metavar="IN", type=click.Path())
@click.option("--out", required=True, type=click.Path(),
              help="The image to write (PNG, TIFF, BMP or PPM), or a folder (for a folder "
                   "of .aek files: each written under its own name, ending in .png).")
@MODEL
@OVERWRITE
@QUIET
def decompress(source, out, model, overwrite, quiet):
    """Decompress IN (an .aek file, or a folder of them) into images."""
    pairs = plan_outputs(source, out, overwrite=overwrite, find=aek_files,
                         writes=DECODED_SUFFIXES, suffix=".png")
    for src, _ in pairs:  # every file's header before any work
        aek_info(src)
    codec = _codec(model, "decompress")
    for src, dst in _each(pairs, quiet):
        decompress_file(src, dst, codec)
    click.echo(f"decompressed {len(pairs)} file(s) into {out}")
