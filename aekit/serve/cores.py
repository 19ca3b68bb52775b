"""How the service's process shares its cores between the network and the HTTP side."""

from __future__ import annotations

import os


def share_cores() -> None:
    """Leave cores to the HTTP side: torch's threads spin while they wait for work, and on
    a small machine two of them beside uvicorn and the threads parsing JSON made each
    network pass over ten times slower. The network gets half the cores (at least one);
    batching, not more threads, is what makes the service fast."""
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 2) // 2))
