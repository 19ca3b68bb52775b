"""Train the voice converter that ships with aekit: one command.

    python scripts/train_voice.py                      # the shipped converter
    python scripts/train_voice.py --downsample 4 --content-dim 4 --out runs/voice-autovc
    python scripts/train_voice.py --adversarial-weight 0.1 --out runs/voice-adversarial
    python scripts/train_voice.py --hifigan-frames --out runs/voice-hifigan

Recordings (benchmarks/voices.py): FSDD's speakers except the left-out one, 37
synthetic speakers of espeak-ng and flite (installed by scripts/dev.sh when root), and
48 pseudo-speakers made from the four real ones by WORLD (pyworld, bench extra): about
7,800 clips of 89 speakers. Checkpoints go to runs/<out folder>-ckpt, so a stopped run resumes
with --resume; the model is written to aekit/speech/weights/voice (or --out).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aekit.speech import VoiceConverter  # noqa: E402
from aekit.speech.hifigan import HIFIGAN_MELS  # noqa: E402
from aekit.speech.shipped import SHIPPED_DIR  # noqa: E402
from benchmarks.voices import training_speech  # noqa: E402  (one left-out speaker)

SHIPPED_STEPS = 16000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=SHIPPED_STEPS)
    parser.add_argument("--downsample", type=int, default=1)
    parser.add_argument("--content-dim", type=int, default=16)
    parser.add_argument("--adversarial-weight", type=float, default=0.0)
    parser.add_argument("--channels", type=int, default=128)
    parser.add_argument("--perturbation", type=float, default=0.0)
    parser.add_argument("--precision", choices=("bf16", "no"), default="bf16",
                        help="bf16 autocast (1.85x faster on a CPU with AMX, "
                             "benchmarks/bf16_speed.py; and on GPUs); 'no' for float32")
    parser.add_argument("--hifigan-frames", action="store_true",
                        help="train on the HiFi-GAN vocoder's frames (22.05 kHz, hop 256), so "
                             "the model converts through HiFi-GAN")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR)
    args = parser.parse_args()
    checkpoints = ROOT / "runs" / f"{args.out.name}-ckpt"
    speech = training_speech()
    frames = HIFIGAN_MELS.to_json() if args.hifigan_frames else {}
    model = VoiceConverter(**frames, max_steps=args.steps, downsample=args.downsample,
                           content_dim=args.content_dim, adversarial_weight=args.adversarial_weight,
                           channels=args.channels, perturbation=args.perturbation,
                           mixed_precision=args.precision, random_state=0,
                           checkpoint_dir=checkpoints, verbose=True)
    start = time.perf_counter()
    model.fit(speech.paths, speech.speakers,
              resume=args.resume and (checkpoints / "checkpoint.json").exists())
    minutes = (time.perf_counter() - start) / 60
    # what ships names no folder of this machine, and trains in float32 unless asked
    model.set_params(checkpoint_dir=None, verbose="auto", mixed_precision="auto")
    model.save(args.out)
    print(f"trained {args.steps} steps on {len(speech.paths):,} recordings of "
          f"{len(set(speech.speakers))} speakers in {minutes:.1f} min; saved {args.out}")


if __name__ == "__main__":
    main()
