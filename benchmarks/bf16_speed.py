"""Training speed on the CPU, float32 against bf16 autocast, in the same run.

    python -m benchmarks.bf16_speed [--steps 150]

The de-noiser (colour, 32 crops of 64x64 per step, the shipped recipe's training photos)
and the voice converter (FSDD's training speakers, 32 segments of 0.64 s per step) each
train ``--steps`` steps with ``mixed_precision="no"`` and then ``"bf16"``. The rate is
the steps divided by the trainer's own time for its epochs (``history_``), so reading
the data is not counted. bf16 only pays on processors with a fast bf16 path
(AMX, AVX-512 BF16); elsewhere it can be slower, which is why ``"auto"`` is float32 on
a CPU.
"""

from __future__ import annotations

import argparse
import logging

import torch

import aekit
from benchmarks.common import print_table
from benchmarks.denoising import split_files
from benchmarks.voices import LEFT_OUT, fsdd, fsdd_speakers


def _rate(model, fit, steps: int) -> float:
    fit(model)
    return steps / sum(float(epoch["seconds"]) for epoch in model.history_)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=150)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    photos = split_files("colour")[0]
    speech = fsdd([s for s in fsdd_speakers() if s != LEFT_OUT])
    cases = {
        "denoiser (colour)": (lambda mp: aekit.Denoiser(channels=3, max_steps=args.steps,
                                                        mixed_precision=mp, random_state=0,
                                                        verbose=False),
                              lambda m: m.fit(photos)),
        "voice converter": (lambda mp: aekit.speech.VoiceConverter(
                                max_steps=args.steps, mixed_precision=mp, random_state=0,
                                verbose=False),
                            lambda m: m.fit(speech.paths, speech.speakers)),
    }
    print(f"torch threads: {torch.get_num_threads()}; CPU capability: "
          f"{torch.backends.cpu.get_cpu_capability()}")
    rows = []
    for name, (make, fit) in cases.items():
        fp32 = _rate(make("no"), fit, args.steps)
        bf16 = _rate(make("bf16"), fit, args.steps)
        rows.append({"model": name, "float32 steps/s": round(fp32, 2),
                     "bf16 steps/s": round(bf16, 2), "speed-up": round(bf16 / fp32, 2)})
    print_table(rows)


if __name__ == "__main__":
    main()
