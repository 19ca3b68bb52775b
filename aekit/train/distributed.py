"""Data-parallel training under ``torchrun``: PyTorch's process group and
DistributedDataParallel, nothing home-made.

``torchrun --nproc-per-node N ...`` starts N processes with ``RANK``, ``WORLD_SIZE`` and
``LOCAL_RANK`` set. The trainer joins the group (gloo on CPU, nccl on GPUs) the first
time it runs, wraps the objective's computation in DistributedDataParallel so gradients
are averaged across processes, and reduces the logged numbers so every process keeps
the same history and makes the same early-stopping decision. Only rank 0 writes files.
"""

from __future__ import annotations

import atexit
import logging
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from aekit.train.sources import Shard

logger = logging.getLogger(__name__)
# smaller buckets than the default 25 MB start all-reducing early layers while later
# ones are still in backward (a 2M-parameter net is one 9 MB bucket otherwise)
BUCKET_MB = 2


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def shard(self) -> Shard:
        return Shard(self.rank, self.size)


def launched_world_size() -> int:
    """Processes started by torchrun (1 when run plainly)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def join(device_type: str) -> World:
    """This process's place; under torchrun, joins the process group once."""
    if launched_world_size() <= 1 or not dist.is_available():
        return World()
    if not dist.is_initialized():
        backend = "nccl" if device_type == "cuda" else "gloo"
        dist.init_process_group(backend)
        # leaving the group before the interpreter ends: otherwise gloo's threads can
        # still be running at exit, and the process aborts ("terminate called without
        # an active exception") after training went well
        atexit.register(_leave)
        logger.info("joined a %s process group of %d", backend, dist.get_world_size())
    return World(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def _leave() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def is_main_process() -> bool:
    """True outside torchrun and on rank 0: where models, checkpoints and logs are written."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank() == 0
    return int(os.environ.get("RANK", "0")) == 0


def process_device(device: torch.device, world: World) -> torch.device:
    """Each process of a GPU run gets its own GPU (``LOCAL_RANK``)."""
    if world.size > 1 and device.type == "cuda" and device.index is None:
        device = torch.device("cuda", world.local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    return device


class ObjectiveModule(nn.Module):
    """The module and its objective as one ``forward``, so DDP sees every use of the
    parameters (objectives may call submodules, or the module twice)."""

    def __init__(self, module: nn.Module, objective):
        super().__init__()
        self.module = module
        self.objective = objective

    def forward(self, batch, info):
        """(total, terms, reported, skipped); an optimizer that sits a step out gets a zero
        loss that touches every parameter, so DDP's backward still completes."""
        terms = self.objective(self.module, batch, info)
        if terms is None:
            zero = sum(p.sum() * 0.0 for p in self.module.parameters())
            return zero, {}, None, True
        return terms.total, terms.terms, terms.reported, False


def wrap(module: nn.Module, objective, world: World, device: torch.device,
         several_optimizers: bool) -> nn.Module:
    step = ObjectiveModule(module, objective)
    if world.size == 1:
        return step
    ids = [device.index] if device.type == "cuda" else None
    # with several optimizers each forward uses only some parameters
    # gradients as views of the buckets: no copy into and out of them on every step
    return DistributedDataParallel(step, device_ids=ids, find_unused_parameters=several_optimizers,
                                   gradient_as_bucket_view=True, bucket_cap_mb=BUCKET_MB)


def _comm_device() -> torch.device:
    # nccl moves only GPU tensors; gloo only CPU ones
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def all_sum(values: torch.Tensor, world: World) -> torch.Tensor:
    """Sum a float64 tensor over the processes (a no-op for one); the result is on the CPU."""
    if world.size == 1:
        return values.cpu()
    values = values.to(_comm_device(), copy=True)
    dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values.cpu()


def all_gather_states(state: torch.Tensor, world: World) -> list[torch.Tensor]:
    """Every process's copy of a same-shaped uint8 tensor (random generator states)."""
    if world.size == 1:
        return [state]
    local = state.to(_comm_device())
    parts = [torch.empty_like(local) for _ in range(world.size)]
    dist.all_gather(parts, local)
    return [part.cpu() for part in parts]


def broadcast_int(value: int, world: World) -> int:
    """Rank 0's ``value`` on every process."""
    if world.size == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.int64, device=_comm_device())
    dist.broadcast(tensor, src=0)
    return int(tensor.item())


def barrier(world: World) -> None:
    if world.size > 1:
        dist.barrier()
