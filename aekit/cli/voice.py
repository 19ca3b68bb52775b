"""``aekit voice convert`` and ``aekit voice train``: one-shot voice conversion."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import click

from aekit._atomic import atomic_path
from aekit.cli.options import check_output, check_output_folder
from aekit.errors import ConfigError, DataError, MissingDataError

AUDIO_SUFFIXES = (".wav", ".wave", ".flac")


@click.group()
def voice() -> None:
    """Say one speaker's words in another's voice (content and speaker codes)."""


@voice.command("convert")
@click.option("--source", required=True, type=click.Path(),
              help="A WAV/FLAC file, or a folder of them, to convert.")
@click.option("--target", required=True, multiple=True, type=click.Path(dir_okay=False),
              help="A recording of the target speaker (repeat for more; one is enough).")
@click.option("--out", required=True, type=click.Path(),
              help="The converted WAV file; a folder when --source is a folder.")
@click.option("--model", type=click.Path(file_okay=False), default=None,
              help="A converter saved by `aekit voice train` (default: the shipped one).")
@click.option("--vocoder", type=click.Choice(["auto", "hifigan", "griffin-lim"]), default=None,
              help="How frames become audio (default: the model's, 'auto': HiFi-GAN when "
                   "installed and the model's frames suit it, else Griffin-Lim).")
@click.option("--overwrite", is_flag=True, help="Replace output files that exist.")
def convert(source, target, out, model, vocoder, overwrite) -> None:
    """Convert SOURCE to the voice of the --target recording(s)."""
    import soundfile as sf

    source, out = Path(source), Path(out)
    if not source.exists():
        raise MissingDataError(f"no file or folder at {source}")
    for t in target:
        if not Path(t).is_file():
            raise MissingDataError(f"no target recording at {t}")
    if source.is_dir():
        pairs = [(p, out / p.relative_to(source).with_suffix(".wav")) for p in _audio_files(source)]
        if out.is_file():
            raise DataError(f"cannot write into '{out}': it is a file; --out takes a folder "
                            "when --source is a folder")
    else:
        pairs = [(source, out)]
    for _, dest in pairs:
        check_output(dest, overwrite=overwrite, inputs=(source, *target), suffixes=(".wav",),
                     what="WAV files")
    converter = _load(model)
    if vocoder is not None:
        converter.set_params(vocoder=vocoder)
    converter.resolved_vocoder()  # refuses a vocoder that cannot serve, before any work
    speaker = converter.target_voice(list(target))  # once for every source
    for src, dest in pairs:
        audio = converter.synthesize(converter.convert_frames(src, speaker))
        with atomic_path(dest) as tmp:
            sf.write(str(tmp), audio, converter.mel_.sample_rate, format="WAV", subtype="PCM_16")
    click.echo(f"converted {len(pairs)} recording(s) to the voice of {Path(target[0]).name}"
               f"{' and others' if len(target) > 1 else ''}; wrote {out}")


@voice.command("train")
@click.option("--wav-dir", required=True, type=click.Path(file_okay=False),
              help="Folder of recordings (searched recursively).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Model folder to write.")
@click.option("--speaker-pattern", default=None,
              help="Regular expression whose first group (or whole match) in a file name is the "
                   "speaker, e.g. '^[0-9]_([a-z]+)_'. Default: the file's folder is the speaker.")
@click.option("--speakers", "speakers_csv", type=click.Path(dir_okay=False), default=None,
              help="CSV with columns file,speaker (file relative to --wav-dir).")
@click.option("--max-steps", type=int, default=None, help="Optimizer steps (default: the model's).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--overwrite", is_flag=True, help="Replace a model already in OUT.")
def train(wav_dir, out, speaker_pattern, speakers_csv, max_steps, seed, overwrite) -> None:
    """Learn content and speaker codes from recordings of several speakers."""
    from aekit.speech import VoiceConverter

    check_output_folder(out, overwrite=overwrite, holds="config.json", what="a model")
    if speaker_pattern and speakers_csv:
        raise ConfigError("give --speaker-pattern or --speakers, not both")
    root = Path(wav_dir)
    if not root.is_dir():
        raise MissingDataError(f"no folder at {root}")
    paths = _audio_files(root)
    speakers = _speakers(root, paths, speaker_pattern, speakers_csv)
    keep = [(p, s) for p, s in zip(paths, speakers) if s is not None]
    model = VoiceConverter(max_steps=max_steps, random_state=seed)
    model.fit([p for p, _ in keep], [s for _, s in keep])
    model.save(out)
    click.echo(f"trained on {len(keep):,} recordings of {len(model.speakers_)} speakers; wrote {out}")


def _audio_files(folder: Path) -> list[Path]:
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    if not paths:
        raise DataError(f"no audio files ({', '.join(AUDIO_SUFFIXES)}) under {folder}")
    return paths


def _speakers(root: Path, paths: list[Path], pattern: str | None, table: str | None) -> list:
    if table:
        with open(table, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        if not rows or not {"file", "speaker"} <= set(rows[0]):
            raise DataError(f"{table} must have the columns file,speaker")
        by_file = {r["file"]: r["speaker"] for r in rows}
        return [by_file.get(p.relative_to(root).as_posix()) for p in paths]
    if pattern:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"--speaker-pattern is not a regular expression: {exc}") from None
        found = []
        for p in paths:
            match = regex.search(p.name)
            found.append((match.group(1) if regex.groups else match.group(0)) if match else None)
        if not any(found):
            raise DataError(f"--speaker-pattern {pattern!r} matches none of the file names "
                            f"(e.g. {paths[0].name})")
        return found
    return [p.parent.relative_to(root).as_posix() if p.parent != root else None for p in paths]


def _load(model):
    if model is None:
        from aekit.speech.shipped import shipped_voice_converter

        return shipped_voice_converter()
    from aekit.cli.kinds import load_for

    return load_for(model, "voice convert --model")
