"""``aekit speech units``: learn discrete speech units from WAV files, or map new files
with saved units, and write one unit id per 10 ms frame."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from aekit.cli.kinds import check_kind, load_for
from aekit.cli.options import parse_sizes
from aekit.errors import ConfigError
# importing aekit.speech registers "speech_units", so aekit.load and `aekit info` read its models
from aekit.data.audio import find_wavs, read_wavs
from aekit.speech import SpeechUnits, unit_usage
from aekit.speech.files import UNITS_JSONL, write_summary, write_units

# Training options default to None, "not given": only given ones reach SpeechUnits (the
# rest take its own defaults, shown in the help), and --model can refuse them instead of
# silently ignoring them.
DEFAULTS = SpeechUnits().get_params()


def _default(param: str) -> str:
    value = DEFAULTS[param]
    shown = ",".join(map(str, value)) if isinstance(value, tuple) else \
        f"{value:g}" if isinstance(value, float) else value
    return f"[default: {shown}]"


@click.group()
def speech() -> None:
    """Speech: WAV files to discrete units (a VQ auto-encoder's codebook ids)."""


@speech.command()
@click.option("--wav-dir", required=True, type=click.Path(file_okay=False),
              help="Folder of WAV files (sub-folders too).")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder to write: units.jsonl, units.csv, summary.json and model/ (trained).")
@click.option("--model", default=None, type=click.Path(),
              help="Map the files with these saved units (an earlier OUT/model) instead of training.")
@click.option("--codebook", type=click.IntRange(2), default=None,
              help=f"Number of units K {_default('codebook')}.")
@click.option("--code-size", type=click.IntRange(1), default=None,
              help=f"Length of each codebook vector {_default('code_size')}.")
@click.option("--hidden", default=None,
              help=f"Encoder hidden widths, e.g. 256,128 {_default('hidden')}.")
@click.option("--context", type=click.IntRange(0), default=None,
              help="Frames stacked either side of each frame "
                   f"{_default('context')}.")
@click.option("--file-mean/--no-file-mean", default=None,
              help="Subtract each file's mean log-mel frame first (removes the microphone and "
                   f"some of the voice's colour) [default: {'on' if DEFAULTS['file_mean'] else 'off'}].")
@click.option("--sample-rate", type=click.IntRange(1), default=None,
              help="Resample every file to this rate [default: the most common rate].")
@click.option("--epochs", type=click.IntRange(1), default=None,
              help=f"{_default('epochs')}")
@click.option("--batch-size", type=click.IntRange(1), default=None,
              help=f"{_default('batch_size')}")
@click.option("--learning-rate", "--lr", type=float, default=None,
              help=f"{_default('learning_rate')}")
@click.option("--device", default=DEFAULTS["device"], show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--csv/--no-csv", "write_csv", default=True, show_default=True,
              help="Also write units.csv (file, frame, start_s, unit).")
@click.option("--overwrite", is_flag=True, help="Replace results already in OUT.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def units(wav_dir, out, model, codebook, code_size, hidden, context, file_mean, sample_rate, epochs,
          batch_size, learning_rate, device, seed, write_csv, overwrite, quiet):
    """Learn units from the WAV files in WAV_DIR (or map them with --model) and write each
    file's unit sequence, one unit per 10 ms frame."""
    given = {"codebook": codebook, "code_size": code_size, "hidden": hidden, "context": context,
             "file_mean": file_mean,
             "epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate}
    out = Path(out)
    if (out / UNITS_JSONL).exists() and not overwrite:
        raise ConfigError(f"{out} already holds {UNITS_JSONL}; pass --overwrite to replace it")
    if model is not None:  # before reading any audio
        _refuse_training_options(given, sample_rate)
        check_kind(model, "speech units --model")
    paths = find_wavs(wav_dir)
    names = [p.relative_to(wav_dir).as_posix() for p in paths]
    verbose = False if quiet else "auto"
    if model is not None:
        su = load_for(model, "speech units --model", device=device, verbose=verbose)
    else:
        settings = {k: v for k, v in given.items() if v is not None}
        if hidden is not None:
            settings["hidden"] = parse_sizes(hidden)
        su = SpeechUnits(**settings, sample_rate=sample_rate, device=device, verbose=verbose,
                         random_state=seed)
    rate = su.frames_.sample_rate if model is not None else sample_rate
    show = not quiet and sys.stderr.isatty()
    recordings, _ = read_wavs(paths, names=names, sample_rate=rate, progress=show)
    if model is None:
        su.fit(recordings)
        su.save(out / "model")
    ids = su.transform(recordings)
    hop_s = su.frames_.hop / su.frames_.sample_rate
    written = write_units(out, names, ids, hop_s=hop_s, csv_file=write_csv)
    usage = unit_usage(ids, su.codebook)
    summary = {"wav_dir": str(wav_dir), "files": len(ids), "codebook": su.codebook,
               "model": str(model if model is not None else out / "model"),
               "sample_rate": su.frames_.sample_rate, "hop_s": hop_s,
               "window_s": su.frames_.window / su.frames_.sample_rate, "n_mels": su.frames_.n_mels,
               "context": su.context, "file_mean": su.file_mean, **usage}
    if model is None:
        summary["training"] = {"codebook_usage": su.codebook_usage_,
                               "codebook_perplexity": su.codebook_perplexity_,
                               "frames": su.n_frames_}
    write_summary(out, summary)
    verb = "mapped" if model is not None else "learned units from"
    click.echo(f"{verb} {len(ids)} files ({usage['frames']} frames at {hop_s * 1000:g} ms): "
               f"{usage['units_used']} of {su.codebook} units used, perplexity "
               f"{usage['perplexity']:.1f}")
    if model is None:
        click.echo(f"saved the units model to {out / 'model'}")
    click.echo(f"wrote {', '.join(str(p) for p in written)} and {out / 'summary.json'}")


def _refuse_training_options(given: dict, sample_rate) -> None:
    """With --model the saved settings hold; a training option would be silently ignored."""
    named = [f"--{k.replace('_', '-')}" for k, v in given.items() if v is not None]
    if sample_rate is not None:
        named.append("--sample-rate")
    if named:
        raise ConfigError(f"{', '.join(named)} cannot change saved units; with --model the "
                          "model's own settings are used (drop them, or train new units)")
