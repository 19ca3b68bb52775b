"""Training speed: aekit's ``fit`` against hand-written PyTorch loops, in the same run.

Every contender trains the same 784-1000-500-250-30 auto-encoder (ReLU, mirrored decoder)
with MSE and Adam (lr 1e-3) on the same MNIST pixels in [0, 1], for the same batch size
and epochs. For MSE aekit's decoder ends linear (reconstructions of data in [0, 1] are
clipped only at inference), and so does the hand-built model.

The hand loops also follow aekit's training trajectory: the same starting weights (torch
seeded with the seed aekit derives from ``random_state=0``), the same batches in the same
order (aekit's Trainer permutes the data once with that seed, then draws each epoch's
order from a generator seeded with seed + 1; hand_dataloader matches it in the first
epoch only) and a constant learning rate (aekit is given ``lr_schedule="constant"``, its
only non-default setting besides those above; a schedule costs nothing per step but
changes the trajectory). On CPU hand_minimal ends bit-identical to aekit. This matters:
a trajectory that drives values into denormal floats can make a CPU epoch 10-30% slower
whatever the loop, which a comparison of loops must not pick up (``--flush-denormal``
turns denormals off for every contender).

Contenders
----------
aekit            ``aekit.AutoEncoder(...).fit(X)``, timed end to end (scaling, building the
                 model, moving the data, all epochs) and, separately, the sum of the
                 per-epoch ``seconds`` in ``history_``.
hand_minimal     data tensor on the device, ``torch.randperm`` then ``X[idx]`` batches,
                 zero_grad / backward / step. On CUDA the careful version: bf16 autocast
                 and fused Adam.
hand_dataloader  ``DataLoader(TensorDataset(X), batch_size, shuffle=True)``; on CUDA at
                 batch 256 with pinned memory, as in the issue.
hand_compiled    (CUDA only by default) the careful loop with ``torch.compile(model)``;
                 compiled once, in the warm-up, and re-initialised for every repeat.

Each contender first runs one untimed warm-up epoch; then every measurement is repeated
``--repeats`` times, interleaved (aekit, hand, ..., aekit, hand, ...), and the median is
reported, because shared machines are noisy. samples/s = n * epochs / seconds.
The hand loops' end-to-end time covers building the model and optimizer, moving the data
and the epochs, like ``fit``'s.

Targets (issue): on CPU aekit >= 0.95x hand_minimal; on a CUDA GPU aekit's default fit
>= 0.8x the best hand loop measured in the same run.

Run: ``python benchmarks/speed.py [--device cpu|cuda] [--batch-size B] [--epochs E]
[--n N] [--repeats R] [--contenders aekit,hand_minimal] [--flush-denormal]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aekit  # noqa: E402
from aekit.train import resolve_device  # noqa: E402
from benchmarks.common import load_mnist_any, print_table  # noqa: E402

HIDDEN = (1000, 500, 250)
CODE_SIZE = 30
LEARNING_RATE = 1e-3
CPU_DEFAULTS = {"batch_size": 256, "epochs": 3, "n": 8000}
CUDA_DEFAULTS = {"batch_size": 4096, "epochs": 30, "n": 60000}
CUDA_DATALOADER_BATCH = 256
RANDOM_STATE = 0
# The torch seed aekit builds its model with for random_state=0 (private, but this keeps
# the hand-built models' starting weights identical to aekit's).
INIT_SEED = aekit.AutoEncoder(random_state=RANDOM_STATE)._seed()


@dataclass
class Timing:
    total: float  # seconds end to end: set-up and all timed epochs
    epochs: float  # seconds inside the epochs only


def build_model(n_features: int) -> nn.Sequential:
    """784-1000-500-250-30, mirrored decoder, linear code and output: aekit's mlp for MSE."""
    sizes = [n_features, *HIDDEN, CODE_SIZE]
    layers: list[nn.Module] = []
    for part in (sizes, sizes[::-1]):
        for i, (n_in, n_out) in enumerate(zip(part[:-1], part[1:])):
            layers.append(nn.Linear(n_in, n_out))
            if i < len(part) - 2:
                layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# Contenders: each takes (X, epochs) and returns a Timing ----------------------------------
def aekit_fit(device: torch.device, batch_size: int) -> Callable[[np.ndarray, int], Timing]:
    constant = ({"lr_schedule": "constant"}
                if "lr_schedule" in aekit.AutoEncoder().get_params() else {})

    def run(X: np.ndarray, epochs: int) -> Timing:
        ae = aekit.AutoEncoder(**constant, architecture="mlp", hidden=HIDDEN, code_size=CODE_SIZE,
                               objective="mse", epochs=epochs, batch_size=batch_size,
                               learning_rate=LEARNING_RATE, validation_fraction=0.0,
                               patience=None, device=str(device), verbose=False,
                               random_state=RANDOM_STATE)
        sync(device)
        start = time.perf_counter()
        ae.fit(X)
        sync(device)
        total = time.perf_counter() - start
        return Timing(total, sum(row["seconds"] for row in ae.history_))
    return run


def aekit_order(X: np.ndarray, device: torch.device) -> tuple[torch.Tensor, torch.Generator]:
    """The data on ``device`` in the order aekit's Trainer puts it (validation_fraction=0),
    and the generator it draws each epoch's permutation from."""
    data = torch.from_numpy(X)
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(INIT_SEED))
    data = data.to(device)[order.to(device)]
    return data, torch.Generator(device).manual_seed(INIT_SEED + 1)


def hand_minimal(device: torch.device, batch_size: int, careful: bool,
                 compiled: bool = False) -> Callable[[np.ndarray, int], Timing]:
    """The index-batching loop; ``careful`` adds bf16 autocast and fused Adam."""
    holder: dict[str, nn.Module] = {}

    def model_for(n_features: int) -> tuple[nn.Module, nn.Module]:
        torch.manual_seed(INIT_SEED)
        if not compiled:
            model = build_model(n_features).to(device)
            return model, model
        if "model" not in holder:  # compiled once (in the warm-up), then re-initialised
            holder["model"] = build_model(n_features).to(device)
            holder["step_model"] = torch.compile(holder["model"])
        for layer in holder["model"].modules():
            if isinstance(layer, nn.Linear):
                layer.reset_parameters()
        return holder["model"], holder["step_model"]

    def run(X: np.ndarray, epochs: int) -> Timing:
        sync(device)
        start = time.perf_counter()
        model, forward = model_for(X.shape[1])
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE,
                                     fused=True if careful else None)
        data, order = aekit_order(X, device)
        n, in_epochs = data.shape[0], 0.0
        for _ in range(epochs):
            sync(device)
            epoch_start = time.perf_counter()
            perm = torch.randperm(n, device=device, generator=order)
            for i in range(0, n, batch_size):
                hand_step(forward, optimizer, data[perm[i:i + batch_size]], device, careful)
            sync(device)
            in_epochs += time.perf_counter() - epoch_start
        return Timing(time.perf_counter() - start, in_epochs)
    return run


def hand_step(forward, optimizer, x: torch.Tensor, device: torch.device, careful: bool) -> None:
    """One plain training step, shared by every hand loop so they differ only in batching."""
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=careful):
        loss = F.mse_loss(forward(x), x)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def hand_dataloader(device: torch.device, batch_size: int,
                    careful: bool) -> Callable[[np.ndarray, int], Timing]:
    cuda = device.type == "cuda"

    def run(X: np.ndarray, epochs: int) -> Timing:
        sync(device)
        start = time.perf_counter()
        torch.manual_seed(INIT_SEED)
        model = build_model(X.shape[1]).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE,
                                     fused=True if careful else None)
        data, order = aekit_order(X, torch.device("cpu"))
        dataset = TensorDataset(data)
        # shuffle=True, spelled out so that the sampler alone draws from `order`: on CPU
        # the first epoch's batches are exactly aekit's (RandomSampler draws a second,
        # unused permutation per epoch, so later epochs shuffle differently).
        loader = DataLoader(dataset, batch_size=batch_size, pin_memory=cuda,
                            sampler=RandomSampler(dataset, generator=order))
        in_epochs = 0.0
        for _ in range(epochs):
            sync(device)
            epoch_start = time.perf_counter()
            for (x,) in loader:
                hand_step(model, optimizer, x.to(device, non_blocking=True), device, careful)
            sync(device)
            in_epochs += time.perf_counter() - epoch_start
        return Timing(time.perf_counter() - start, in_epochs)
    return run


# Driver -----------------------------------------------------------------------------------
def load_pixels(n: int) -> tuple[np.ndarray, str]:
    """``n`` MNIST digits as float32 (n, 784) in [0, 1]; repeated when fewer are stored."""
    images, _labels, source = load_mnist_any()
    X = images.reshape(len(images), -1).astype(np.float32) / 255.0
    if n > len(X):
        source += f", repeated {int(np.ceil(n / len(X)))}x to reach n={n}"
        X = np.concatenate([X] * int(np.ceil(n / len(X))))
    return np.ascontiguousarray(X[:n]), source


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="auto", help="cpu, cuda, cuda:1 or auto (default)")
    parser.add_argument("--batch-size", type=int, help="default 256 on CPU, 4096 on CUDA")
    parser.add_argument("--epochs", type=int, help="timed epochs; default 3 on CPU, 30 on CUDA")
    parser.add_argument("--n", type=int, help="samples; default 8000 on CPU, 60000 on CUDA")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats (median)")
    parser.add_argument("--contenders", help="comma-separated subset, e.g. aekit,hand_minimal "
                        "(hand_compiled is included by default on CUDA only)")
    parser.add_argument("--flush-denormal", action="store_true",
                        help="torch.set_flush_denormal(True) for every contender (CPU)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    device = resolve_device(args.device)
    cuda = device.type == "cuda"
    defaults = CUDA_DEFAULTS if cuda else CPU_DEFAULTS
    batch = args.batch_size or defaults["batch_size"]
    epochs = args.epochs or defaults["epochs"]
    X, source = load_pixels(args.n or defaults["n"])
    if args.flush_denormal:
        torch.set_flush_denormal(True)
    n = len(X)

    # name -> (run, batch size, timed epochs)
    loader_batch = CUDA_DATALOADER_BATCH if cuda else batch
    loader_epochs = max(1, epochs // 10) if cuda else epochs  # slow per sample: fewer epochs
    contenders = {
        "aekit": (aekit_fit(device, batch), batch, epochs),
        "hand_minimal": (hand_minimal(device, batch, careful=cuda), batch, epochs),
        "hand_dataloader": (hand_dataloader(device, loader_batch, careful=cuda),
                            loader_batch, loader_epochs),
        "hand_compiled": (hand_minimal(device, batch, careful=cuda, compiled=True), batch, epochs),
    }
    wanted = (args.contenders.split(",") if args.contenders else
              [name for name in contenders if cuda or name != "hand_compiled"])
    unknown = set(wanted) - set(contenders)
    if unknown:
        raise SystemExit(f"unknown contenders {sorted(unknown)}; known: {list(contenders)}")
    contenders = {name: contenders[name] for name in wanted}

    print(f"# aekit training speed ({aekit.__version__}, torch {torch.__version__})")
    print(f"device: {device}" + (f" ({torch.cuda.get_device_name(device)})" if cuda else
                                 f", torch threads: {torch.get_num_threads()}, cpus: {os.cpu_count()}"))
    print(f"data: {source}; n={n}, 784 features"
          + ("; flush-denormal on" if args.flush_denormal else ""))
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f}")
    print(f"warm-up: 1 epoch per contender; then {args.repeats} interleaved repeats", flush=True)

    for name, (run, _batch, _epochs) in contenders.items():
        run(X, 1)
    timings: dict[str, list[Timing]] = {name: [] for name in contenders}
    for repeat in range(args.repeats):
        for name, (run, _batch, n_epochs) in contenders.items():
            gc.collect()
            timings[name].append(run(X, n_epochs))
        print(f"repeat {repeat + 1}: " + ", ".join(
            f"{name} {timings[name][-1].total:.2f}s" for name in contenders), flush=True)
    load_after = os.getloadavg()

    def rates(name: str, field: str) -> list[float]:
        n_epochs = contenders[name][2]
        return [n * n_epochs / getattr(t, field) for t in timings[name]]

    medians = {(name, field): statistics.median(rates(name, field))
               for name in contenders for field in ("total", "epochs")}
    hands = [name for name in contenders if name.startswith("hand")]
    best = {field: max((medians[h, field] for h in hands), default=None)
            for field in ("total", "epochs")}

    def ratio(name: str, field: str) -> str:
        return f"{medians[name, field] / best[field]:.2f}" if best[field] else "-"

    rows = []
    for name, (_run, b, n_epochs) in contenders.items():
        total_rates = rates(name, "total")
        rows.append({
            "contender": name, "device": str(device), "batch": b, "epochs": n_epochs,
            "samples/s (median)": medians[name, "total"],
            "ratio to best hand": ratio(name, "total"),
            "samples/s epochs only": medians[name, "epochs"],
            "ratio (epochs only)": ratio(name, "epochs"),
            "fastest run": max(total_rates),
            "spread": f"{(max(total_rates) - min(total_rates)) / medians[name, 'total']:.0%}",
        })
    noisy = any(max(rates(name, "total")) > 1.25 * min(rates(name, "total")) for name in contenders)
    print()
    print_table(rows)
    print()
    print("samples/s: n x epochs / wall clock of fit (aekit) or of the whole hand loop, set-up "
          "included; 'epochs only': the epochs alone (aekit: sum of history_ seconds). "
          "fastest run: samples/s of the least disturbed repeat. "
          "spread: (max - min) / median over the repeats.")
    if noisy:
        print("WARNING: a spread over 25%: other work disturbed some repeats; re-run on an idle "
              "machine, or read the fastest-run ratio too.")
    print(f"load average after: {load_after[0]:.2f}"
          + ("  (other work on this machine: timings may be noisy)"
             if max(load_before[0], load_after[0]) > (os.cpu_count() or 1) * 0.75 + 1 else ""))
    if "aekit" in contenders and "hand_minimal" in contenders:
        target = "target >= 0.95 on CPU" if not cuda else "CPU target 0.95; this run is on CUDA"
        print(f"aekit / hand_minimal = {medians['aekit', 'total'] / medians['hand_minimal', 'total']:.2f} "
              f"({target}); epochs only: "
              f"{medians['aekit', 'epochs'] / medians['hand_minimal', 'epochs']:.2f}; fastest runs: "
              f"{max(rates('aekit', 'total')) / max(rates('hand_minimal', 'total')):.2f}")
    if cuda and "aekit" in contenders and best["total"]:
        print(f"aekit / best hand loop = {medians['aekit', 'total'] / best['total']:.2f} "
              f"(target >= 0.8 on CUDA); epochs only: "
              f"{medians['aekit', 'epochs'] / best['epochs']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
