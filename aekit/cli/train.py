"""``aekit train``: fit an auto-encoder on a dataset and save it as a model folder."""

from __future__ import annotations

from pathlib import Path

import click

from aekit.models.autoencoder import AutoEncoder
from aekit.cli.generate import build_vae, vae_options, vae_summary
from aekit.cli.options import data_options, load_input, parse_sizes
from aekit.errors import ConfigError
from aekit.io import CONFIG
from aekit.nn.bottleneck import BOTTLENECKS
from aekit.nn.activations import ACTIVATIONS
from aekit.models.pretrain import PRETRAINERS
from aekit.registry import ARCHITECTURES, CORRUPTIONS, RECONSTRUCTION_LOSSES

PRESETS = {"hinton2006": {"architecture": "mlp", "hidden": (1000, 500, 250), "code_size": 30}}


@click.command()
@data_options
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Model folder to write (config.json, model.safetensors, checkpoints/).")
@click.option("--preset", type=click.Choice(sorted(PRESETS)), default=None,
              help="Named settings; hinton2006 = mlp 1000-500-250 with a 30-D code.")
@click.option("--architecture", type=click.Choice(["auto", *ARCHITECTURES.names()]), default=None,
              help="auto (default): conv for images, mlp for tables.")
@click.option("--hidden", default=None, help="Hidden sizes, e.g. 1000,500,250 (mlp) or 32,64 (conv).")
@click.option("--code-size", type=int, default=None, help="Length of the code (default 30).")
@click.option("--activation", type=click.Choice(ACTIVATIONS.names()), default=None,
              help="Hidden activation (default relu; sigmoid with --pretrain rbm, whose "
                   "units are logistic).")
@click.option("--pretrain", type=click.Choice(PRETRAINERS.names()), default=None,
              help="Layer-wise pre-training before fine-tuning: rbm (Hinton & Salakhutdinov "
                   "2006) or dae (stacked de-noising). Implies --architecture mlp.")
@click.option("--pretrain-epochs", type=int, default=10, show_default=True,
              help="Pre-training epochs per layer.")
@click.option("--objective", type=click.Choice(RECONSTRUCTION_LOSSES.names()), default="mse", show_default=True)
@click.option("--noise", type=click.Choice(CORRUPTIONS.names()), default=None,
              help="Corrupt inputs while training (de-noising auto-encoder).")
@click.option("--noise-level", type=float, default=0.2, show_default=True)
@click.option("--contractive", type=float, default=0.0, show_default=True,
              help="Weight of the encoder-Jacobian penalty.")
@click.option("--sparsity", type=float, default=0.0, show_default=True, help="Weight of the L1 code penalty.")
@click.option("--bottleneck", type=click.Choice(BOTTLENECKS.names()), default="continuous",
              show_default=True, help="binary: CODE_SIZE bits; onehot: one of CODE_SIZE "
              "clusters; vq: codebook vectors (VQ-VAE).")
@click.option("--codebook-size", type=int, default=None,
              help="Codebook vectors (vq; default 512).")
@click.option("--codebook-dim", type=int, default=None,
              help="Length of each quantized vector (vq; default: the whole code).")
@click.option("--epochs", type=int, default=50, show_default=True)
@click.option("--batch-size", type=int, default=64, show_default=True)
@click.option("--learning-rate", "--lr", type=float, default=1e-3, show_default=True)
@click.option("--patience", type=int, default=10, show_default=True, help="Early-stopping patience in epochs.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--checkpoint-every", type=int, default=5, show_default=True, help="Epochs between checkpoints.")
@click.option("--resume", is_flag=True, help="Continue from the checkpoint in OUT/checkpoints.")
@click.option("--overwrite", is_flag=True, help="Replace a model already in OUT.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@vae_options
def train(data, split, image_size, label_column, out, preset, architecture, hidden, code_size,
          activation, pretrain, pretrain_epochs, objective, noise, noise_level, contractive,
          sparsity, bottleneck, codebook_size, codebook_dim, epochs, batch_size, learning_rate, patience, device, seed, checkpoint_every,
          resume, overwrite, quiet, model_kind, beta, likelihood, kl_warmup, free_bits, binarize):
    """Train an auto-encoder on DATA and save it to OUT."""
    out_dir = Path(out)
    if (out_dir / CONFIG).exists() and not (overwrite or resume):
        raise ConfigError(f"{out_dir} already holds a model; pass --overwrite to replace it, "
                          "--resume to continue its training, or choose another --out")
    if bottleneck != "vq" and (codebook_size is not None or codebook_dim is not None):
        raise ConfigError("--codebook-size and --codebook-dim apply to --bottleneck vq only")
    loaded = load_input(data, split, image_size, label_column)
    settings = dict(PRESETS.get(preset, {}))
    if pretrain is not None:
        settings.setdefault("architecture", "mlp")  # pre-training stacks fully-connected layers
        if PRETRAINERS.get(pretrain).activation is not None:  # rbm: logistic units
            settings["activation"] = PRETRAINERS.get(pretrain).activation
    settings.update({k: v for k, v in {"architecture": architecture, "hidden": parse_sizes(hidden),
                                        "code_size": code_size, "activation": activation}.items()
                     if v is not None})
    if model_kind == "vae":
        model = build_vae(
            settings, autoencoder_only=dict(pretrain=pretrain, noise=noise,
                                            contractive=contractive, sparsity=sparsity,
                                            bottleneck=None if bottleneck == "continuous"
                                            else bottleneck),
            beta=beta, likelihood=likelihood, kl_warmup=kl_warmup, free_bits=free_bits,
            binarize=binarize, epochs=epochs, batch_size=batch_size,
            learning_rate=learning_rate, patience=patience, device=device, random_state=seed,
            checkpoint_dir=str(out_dir / "checkpoints"), checkpoint_every=checkpoint_every,
            verbose=False if quiet else "auto")
    else:
        model = AutoEncoder(
            **settings, pretrain=pretrain, pretrain_epochs=pretrain_epochs, objective=objective,
            noise=noise, noise_level=noise_level, contractive=contractive, sparsity=sparsity,
            bottleneck=bottleneck, codebook_size=codebook_size or 512, codebook_dim=codebook_dim,
            epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, patience=patience,
            device=device, random_state=seed,
            checkpoint_dir=str(out_dir / "checkpoints"), checkpoint_every=checkpoint_every,
            verbose=False if quiet else "auto")
    model.fit(loaded.X, resume=resume)
    model.save(out_dir)
    last = model.history_[-1]
    for row in getattr(model, "pretrain_history_", []):  # a VAE is not pre-trained
        click.echo(f"pre-trained ({row['kind']}) layer {row['layer']}: {row['n_in']} -> "
                   f"{row['n_out']}, reconstruction error {row['reconstruction_error']:.5g}, "
                   f"{row['seconds']:.1f} s")
    click.echo(f"trained {model.architecture_} auto-encoder on {loaded.X.shape[0]} samples of "
               f"{loaded.source}: {model.n_epochs_} epochs, best epoch {model.best_epoch_}, "
               f"train loss {last['train_loss']:.5g}, validation loss {last['val_loss'] or '-'}")
    if model_kind == "vae":
        click.echo(vae_summary(model))
    if hasattr(model, "codebook_usage_"):
        size = model.code_size_ if bottleneck == "onehot" else model.codebook_size
        click.echo(f"{bottleneck} code: {model.codebook_usage_:.0%} of {size} codes used, "
                   f"perplexity {model.codebook_perplexity_:.1f}")
    click.echo(f"saved model to {out_dir} (loss history: {out_dir / 'checkpoints' / 'history.csv'})")
