"""``aekit train``: fit an auto-encoder on a dataset and save it as a model folder.

``--kind`` names the estimator in :data:`aekit.registry.ESTIMATORS` (every estimator built
from an architecture: ``autoencoder``, ``vae``). Each option sets the estimator parameter
of the same name and defaults to None, meaning "the estimator's own default" (shown in the
help, read from ``get_params()``); only the options given are passed on, and one the
chosen kind does not take is refused, naming the kinds that take it.
"""

from __future__ import annotations

from pathlib import Path

import click

import aekit.models  # noqa: F401  (registers the general estimators)
from aekit.base import ArchitectureMixin
from aekit.cli.options import EPOCHS, AutoOrCount, data_options, load_input, parse_sizes
from aekit.data.chunks import open_chunks
from aekit.errors import ConfigError
from aekit.io import CONFIG
from aekit.image.modules import NOISES
from aekit.models.pretrain import PRETRAINERS
from aekit.nn.activations import ACTIVATIONS
from aekit.nn.bottleneck import BOTTLENECKS
from aekit.registry import ARCHITECTURES, CORRUPTIONS, ESTIMATORS, RECONSTRUCTION_LOSSES
from aekit.nn.gaussian import LIKELIHOODS
from aekit.train import is_main_process

PRESETS = {"hinton2006": {"architecture": "mlp", "hidden": (1000, 500, 250), "code_size": 30}}

# The kinds `aekit train` builds: estimators made from an architecture (not detectors or
# speech units, which have commands of their own).
KINDS = [name for name in ESTIMATORS.names() if issubclass(ESTIMATORS.get(name), ArchitectureMixin)]
# Kinds trained on a folder of photos of any sizes (random crops), not on one array.
PHOTO_KINDS = ["denoiser", "image_codec"]
DEFAULTS = {kind: ESTIMATORS.get(kind)().get_params() for kind in KINDS + PHOTO_KINDS}
DEFAULT_KIND = "autoencoder"

# option name (the function's argument) -> estimator parameter, when they differ
PARAM_OF = {"kl_warmup": "kl_warmup_epochs"}
CONVERT = {"hidden": parse_sizes, "binarize": lambda v: None if v == "none" else v}
# the de-noiser's corruptions beside the auto-encoders' (each kind checks its own)
NOISE_KINDS = sorted(set(CORRUPTIONS.names()) | set(NOISES))


class NoiseList(click.ParamType):
    """One corruption, or several separated by commas (the de-noiser draws among them)."""

    name = "NOISE[,NOISE...]"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        names = [v.strip() for v in value.split(",") if v.strip()]
        unknown = [v for v in names if v not in NOISE_KINDS]
        if not names or unknown:
            self.fail(f"{value!r}: choose from {', '.join(NOISE_KINDS)}", param, ctx)
        return names[0] if len(names) == 1 else tuple(names)


class SigmaRange(click.ParamType):
    """A noise level, or LOW,HIGH: a range drawn from per crop."""

    name = "SIGMA|LOW,HIGH"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        try:
            parts = [float(v) for v in value.split(",")]
        except ValueError:
            self.fail(f"{value!r} is not a number or a LOW,HIGH pair", param, ctx)
        if len(parts) not in (1, 2):
            self.fail(f"{value!r} is not a number or a LOW,HIGH pair", param, ctx)
        return parts[0] if len(parts) == 1 else tuple(parts)


def _shown(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, (tuple, list)) else f"{value:g}" \
        if isinstance(value, float) else str(value)


def _default(param: str) -> str:
    """``[default: 50]``, or ``[default: 30 (autoencoder), 32 (vae)]`` where kinds differ;
    "" when the default is None (the help says what None means)."""
    have = {kind: d[param] for kind, d in DEFAULTS.items() if param in d}
    if all(v is None for v in have.values()):
        return ""
    shown = {kind: _shown(v) for kind, v in have.items()}
    if len(set(shown.values())) == 1:
        return f" [default: {next(iter(shown.values()))}]"
    return " [default: " + ", ".join(f"{v} ({k})" for k, v in shown.items()) + "]"


def _takers(param: str) -> list[str]:
    return [kind for kind, d in DEFAULTS.items() if param in d]


def param_option(*decls, param: str, help: str, **kwargs):
    """An option setting the estimator parameter ``param``; its help names the kinds that
    take it (when not all do) and the estimators' default."""
    takers = _takers(param)
    assert takers, f"no kind of `aekit train` takes {param!r}"  # a typo in this module
    only = "" if len(takers) == len(DEFAULTS) else f"[{', '.join(takers)}] "
    return click.option(*decls, default=None, help=f"{only}{help}{_default(param)}", **kwargs)


def training_options(func):
    for option in reversed([
        param_option("--architecture", param="architecture",
                     type=click.Choice(["auto", *ARCHITECTURES.names()]),
                     help="auto: conv for images, mlp for tables."),
        param_option("--hidden", param="hidden",
                     help="Hidden sizes, e.g. 1000,500,250 (mlp) or 32,64 (conv); default: the "
                          "architecture's."),
        param_option("--code-size", param="code_size", type=int, help="Length of the code."),
        param_option("--activation", param="activation", type=click.Choice(ACTIVATIONS.names()),
                     help="Hidden activation (sigmoid with --pretrain rbm, whose units are logistic)."),
        param_option("--pretrain", param="pretrain", type=click.Choice(PRETRAINERS.names()),
                     help="Layer-wise pre-training before fine-tuning: rbm (Hinton & Salakhutdinov "
                          "2006) or dae (stacked de-noising). Implies --architecture mlp."),
        param_option("--pretrain-epochs", param="pretrain_epochs", type=int,
                     help="Pre-training epochs per layer."),
        param_option("--objective", param="objective", type=click.Choice(RECONSTRUCTION_LOSSES.names()),
                     help="Reconstruction loss."),
        param_option("--noise", param="noise", type=NoiseList(),
                     help=f"Corrupt inputs while training (de-noising auto-encoder): one of "
                          f"{', '.join(NOISE_KINDS)}; the denoiser takes a comma-separated list."),
        param_option("--sigma", param="sigma", type=SigmaRange(),
                     help="Gaussian noise level on the 0-255 scale, or LOW,HIGH to draw one "
                          "per training crop (blind de-noising in that range)."),
        param_option("--crop", param="crop", type=click.IntRange(4),
                     help="Side of the square training crops, in pixels."),
        param_option("--noise-level", param="noise_level", type=float, help="Strength of --noise."),
        param_option("--contractive", param="contractive", type=float,
                     help="Weight of the encoder-Jacobian penalty."),
        param_option("--sparsity", param="sparsity", type=float, help="Weight of the L1 code penalty."),
        param_option("--bottleneck", param="bottleneck", type=click.Choice(BOTTLENECKS.names()),
                     help="binary: CODE_SIZE bits; onehot: one of CODE_SIZE clusters; vq: codebook "
                          "vectors (VQ-VAE)."),
        param_option("--codebook-size", param="codebook_size", type=int,
                     help="Codebook vectors (--bottleneck vq)."),
        param_option("--codebook-dim", param="codebook_dim", type=int,
                     help="Length of each quantized vector (--bottleneck vq; default: the whole code)."),
        param_option("--beta", param="beta", type=float, help="Weight of the KL term (> 1: beta-VAE)."),
        param_option("--likelihood", param="likelihood", type=click.Choice(LIKELIHOODS.names()),
                     help="p(x|z); bernoulli for [0, 1] images."),
        param_option("--kl-warmup", param="kl_warmup_epochs", type=AutoOrCount(0),
                     help="Epochs over which the KL weight rises from 0 to beta ('auto': a "
                          "fifth of the epochs, at most 10)."),
        param_option("--free-bits", param="free_bits", type=float,
                     help="Nats per latent dimension left unpenalised."),
        param_option("--binarize", param="binarize", type=click.Choice(["auto", "dynamic", "none"]),
                     help="dynamic: draw binary pixels from the [0, 1] intensities every step; "
                          "auto: dynamic for --likelihood bernoulli."),
        param_option("--epochs", param="epochs", type=EPOCHS,
                     help="Training epochs ('auto': the estimator's step budget)."),
        param_option("--max-steps", param="max_steps", type=int,
                     help="Stop after this many optimizer steps, whatever --epochs says."),
        param_option("--batch-size", param="batch_size", type=int, help="Samples per step."),
        param_option("--learning-rate", "--lr", "learning_rate", param="learning_rate", type=float,
                     help="Step size of the optimizer."),
        param_option("--patience", param="patience", type=int, help="Early-stopping patience in epochs."),
        param_option("--device", param="device", help="auto, cpu, cuda or cuda:N."),
        param_option("--checkpoint-every", param="checkpoint_every", type=int,
                     help="Epochs between checkpoints."),
    ]):
        func = option(func)
    return func


@click.command()
@data_options
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Model folder to write (config.json, model.safetensors, checkpoints/).")
@click.option("--kind", type=click.Choice(KINDS + PHOTO_KINDS), default=DEFAULT_KIND,
              show_default=True, help="What to train: autoencoder (deterministic), vae "
              "(variational, can generate), denoiser or image_codec (both on a folder of photos).")
@click.option("--preset", type=click.Choice(sorted(PRESETS)), default=None,
              help="Named settings; hinton2006 = mlp 1000-500-250 with a 30-D code.")
@training_options
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (the "
              "command line is reproducible by default).")
@click.option("--resume", is_flag=True, help="Continue from the checkpoint in OUT/checkpoints.")
@click.option("--overwrite", is_flag=True, help="Replace a model already in OUT.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--stream", is_flag=True, help="Read DATA (.npy or .parquet) a chunk at a time "
              "instead of into memory, for tables larger than memory.")
def train(data, split, image_size, label_column, out, kind, preset, seed, resume, overwrite, quiet,
          stream, **options):
    """Train an auto-encoder on DATA and save it to OUT.

    Under torchrun (`torchrun --nproc-per-node N -m aekit.cli.main train ...`) the
    processes train data-parallel; --batch-size is the global batch; rank 0 writes OUT."""
    out_dir = Path(out)
    if (out_dir / CONFIG).exists() and not (overwrite or resume):
        raise ConfigError(f"{out_dir} already holds a model; pass --overwrite to replace it, "
                          "--resume to continue its training, or choose another --out")
    given = _given(options, kind)
    if given.get("bottleneck") != "vq" and ({"codebook_size", "codebook_dim"} & set(given)):
        raise ConfigError("--codebook-size and --codebook-dim apply to --bottleneck vq only")
    settings = dict(PRESETS.get(preset, {}))
    if given.get("pretrain") is not None:
        settings["architecture"] = "mlp"  # pre-training stacks fully-connected layers
        if PRETRAINERS.get(given["pretrain"]).activation is not None:  # rbm: logistic units
            settings["activation"] = PRETRAINERS.get(given["pretrain"]).activation
    settings.update(given)
    if kind in PHOTO_KINDS:
        if split or image_size or label_column or stream or preset:
            raise ConfigError(f"--kind {kind} trains on a folder of photos (--data DIR); it takes "
                              "no --split, --image-size, --label-column, --stream or --preset")
        model = ESTIMATORS.get(kind)(**given, random_state=seed,
                                     checkpoint_dir=str(out_dir / "checkpoints"),
                                     **({"verbose": False} if quiet else {}))
        model.fit(data, resume=resume)
        model.save(out_dir)
        if is_main_process():
            last = model.history_[-1]
            click.echo(f"trained {kind} on the photos of {data}: {model.max_steps or model.DEFAULT_STEPS} "
                       f"steps, train loss {last['train_loss']:.5g}, validation loss "
                       f"{last['val_loss'] or '-'}; saved model to {out_dir}")
        return
    X, n_samples, source = _training_data(data, split, image_size, label_column, stream, kind)
    model = ESTIMATORS.get(kind)(**settings, random_state=seed,
                                 checkpoint_dir=str(out_dir / "checkpoints"),
                                 **({"verbose": False} if quiet else {}))
    model.fit(X, resume=resume)
    model.save(out_dir)  # rank 0 only, under torchrun
    if not is_main_process():
        return
    last = model.history_[-1]
    processes = f" in {model.world_size_} processes" if model.world_size_ > 1 else ""
    click.echo(f"trained {model.architecture_} {kind} on {n_samples} samples of {source}"
               f"{processes}: {model.n_epochs_} epochs, best epoch {model.best_epoch_}, "
               f"train loss {last['train_loss']:.5g}, validation loss {last['val_loss'] or '-'}")
    for line in SUMMARIES[kind](model):
        click.echo(line)
    click.echo(f"saved model to {out_dir} (loss history: {out_dir / 'checkpoints' / 'history.csv'})")


def _training_data(data, split, image_size, label_column, stream: bool, kind: str):
    """(X, number of samples, what was read): an array, or a chunk reader with --stream."""
    if stream:
        if kind != "autoencoder" or split or image_size or label_column:
            raise ConfigError("--stream reads a .npy or .parquet table for --kind autoencoder; "
                              "it takes no --split, --image-size or --label-column")
        reader = open_chunks(data)
        return reader, reader.n_rows, f"{data} (streamed)"
    size = Path(data).stat().st_size if Path(data).is_file() else 0
    if size and size > available_memory():
        raise ConfigError(f"{data} ({size / 2**30:.1f} GiB) is larger than the memory available "
                          f"({available_memory() / 2**30:.1f} GiB); pass --stream to read it a "
                          "chunk at a time (.npy or .parquet)")
    loaded = load_input(data, split, image_size, label_column)
    return loaded.X, loaded.X.shape[0], loaded.source


def available_memory() -> int:
    """Bytes this process may still take: MemAvailable, or the address-space limit."""
    import resource

    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    try:
        with open("/proc/meminfo") as f:
            free = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable"))
    except (OSError, StopIteration):
        free = 1 << 62
    return min(free, limit if limit > 0 else 1 << 62)


def _given(options: dict, kind: str) -> dict:
    """The estimator parameters of the options given; one ``kind`` does not take is refused."""
    given = {}
    for name, value in options.items():
        if value is None:
            continue
        param = PARAM_OF.get(name, name)
        if param not in DEFAULTS[kind]:
            takers = " or ".join(f"--kind {k}" for k in _takers(param))
            raise ConfigError(f"--{name.replace('_', '-')} is an option of {takers}, "
                              f"not of --kind {kind}")
        given[param] = CONVERT.get(name, lambda v: v)(value)
    return given


def _autoencoder_lines(model) -> list[str]:
    lines = [f"pre-trained ({row['kind']}) layer {row['layer']}: {row['n_in']} -> {row['n_out']}, "
             f"reconstruction error {row['reconstruction_error']:.5g}, {row['seconds']:.1f} s"
             for row in model.pretrain_history_]
    if hasattr(model, "codebook_usage_"):  # a one-hot or vq code
        size = model.code_size_ if model.bottleneck == "onehot" else model.codebook_size
        lines.append(f"{model.bottleneck} code: {model.codebook_usage_:.0%} of {size} codes used, "
                     f"perplexity {model.codebook_perplexity_:.1f}")
    return lines


def _vae_lines(model) -> list[str]:
    return [f"variational: {model.active_units_} of {model.code_size} latent units active "
            "(posterior-mean variance > 0.01); sample it with `aekit sample`"]


# What to report after training, per kind (a new kind gets its lines here).
SUMMARIES = {"autoencoder": _autoencoder_lines, "vae": _vae_lines}
