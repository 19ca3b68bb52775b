"""``aekit sample``, ``interpolate``, ``traverse`` and ``generate-figure``: a VAE's
decoder used as a generator."""

from __future__ import annotations

import click

from aekit.generate import figures as gen
from aekit.cli.kinds import load_for
from aekit.cli.options import ARRAY_SUFFIXES, check_output, default_of, overwrite_option, write_array
from aekit.plots import PICTURE_FORMATS
from aekit.models.vae import VAE

MODEL = click.argument("model", type=click.Path())
OUT = click.option("--out", required=True, type=click.Path(dir_okay=False),
                   help="Picture to write: .png or .jpg.")


def _check_picture(out, overwrite, *inputs):
    check_output(out, overwrite=overwrite, inputs=inputs, suffixes=PICTURE_FORMATS, what="pictures")


@click.command()
@MODEL
@click.option("-n", "n", type=int, default=64, show_default=True, help="How many samples.")
@OUT
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random codes.")
@click.option("--cols", type=int, default=default_of(gen.sample_grid, "n_cols"), show_default=True,
              help="Images per row.")
@click.option("--npy", default=None, help="Also write the samples to this .npy or .csv file.")
@overwrite_option
def sample(model, n, out, seed, cols, npy, overwrite):
    """Decode N codes drawn from MODEL's prior into a grid of new samples."""
    _check_picture(out, overwrite, model)
    check_output(npy, overwrite=overwrite, inputs=(model,), suffixes=ARRAY_SUFFIXES, option="--npy")
    vae = load_for(model, "sample")
    path, samples = gen.sample_grid(vae, n, out, random_state=seed, n_cols=cols)
    click.echo(f"wrote {n} samples to {path}")
    if npy:
        click.echo(f"wrote {write_array(npy, samples)}")


@click.command()
@MODEL
@click.argument("a", type=click.Path(dir_okay=False, exists=True))
@click.argument("b", type=click.Path(dir_okay=False, exists=True))
@click.option("--steps", type=int, default=default_of(VAE.interpolate, "steps"), show_default=True,
              help="Images in the strip, ends included.")
@OUT
@overwrite_option
def interpolate(model, a, b, steps, out, overwrite):
    """Decode the straight line between the codes of images A and B (PNG/JPEG or .npy)."""
    _check_picture(out, overwrite, model, a, b)
    vae = load_for(model, "interpolate")
    path, _ = gen.interpolation_strip(vae, gen.load_sample_file(vae, a),
                                      gen.load_sample_file(vae, b), out, steps=steps)
    click.echo(f"wrote a {steps}-step interpolation to {path}")


@click.command()
@MODEL
@click.option("--dim", "dims", type=int, multiple=True,
              help="Code dimension to vary (repeat for several rows); default: the 8 most active.")
@click.option("--steps", type=int, default=default_of(VAE.traverse, "steps"), show_default=True,
              help="Images per row.")
@click.option("--span", type=float, default=default_of(VAE.traverse, "span"), show_default=True,
              help="Each dimension runs over [-span, span] (prior standard deviations).")
@click.option("--from", "base", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Hold the other dimensions at this image's code (default: the prior mean, 0).")
@OUT
@overwrite_option
def traverse(model, dims, steps, span, base, out, overwrite):
    """Vary one code dimension at a time and decode: what each dimension controls."""
    _check_picture(out, overwrite, model, base)
    vae = load_for(model, "traverse")
    start = gen.load_sample_file(vae, base) if base else None
    path, shown = gen.traversal_grid(vae, out, dims=dims, steps=steps, span=span, base=start)
    click.echo(f"wrote traversals of dimensions {', '.join(map(str, shown))} to {path}")


@click.command("generate-figure")
@click.option("--out", default=f"docs/images/{gen.FIGURE}", show_default=True,
              type=click.Path(dir_okay=False), help="Picture to write: .png or .jpg.")
@click.option("--epochs", type=int, default=default_of(gen.ae_vs_vae_figure, "epochs"), show_default=True,
              help="Training epochs of each model.")
@click.option("--code-size", type=int, default=default_of(gen.ae_vs_vae_figure, "code_size"),
              show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bars.")
@overwrite_option
def generate_figure(out, epochs, code_size, seed, quiet, overwrite):
    """Random codes decoded by a plain auto-encoder next to a VAE's samples (MNIST)."""
    _check_picture(out, overwrite)
    result = gen.ae_vs_vae_figure(out, epochs=epochs, code_size=code_size, random_state=seed,
                                  verbose=False if quiet else "auto")
    for line in result.lines:
        click.echo(line)
    click.echo(f"wrote {result.path}")
