"""Entropy coding of integer symbols under frozen integer tables, by ``constriction``'s
range coder (Bamler 2022; a Rust wheel), never a hand-written arithmetic coder.

A stream is coded in *groups*: each group is an array of symbols that share one table
(a channel of the factorized prior, or a scale of the conditional Gaussian). The decoder
is told the same groups in the same order with their sizes, so nothing about the
layout is stored in the stream. Tables are integer counts; they reach constriction as
float64 numbers that are exactly those integers, so its (deterministic) quantization
builds the same model on every machine.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from aekit.errors import InputError


def _model(counts: np.ndarray):
    import constriction

    return constriction.stream.model.Categorical(np.asarray(counts, dtype=np.float64),
                                                 perfect=False)


def encode_groups(groups: Sequence[tuple[np.ndarray, np.ndarray]]) -> bytes:
    """``groups``: (symbols as 0-based indexes into the table, table counts) pairs."""
    import constriction

    encoder = constriction.stream.queue.RangeEncoder()
    for symbols, counts in groups:
        if len(symbols):
            encoder.encode(np.ascontiguousarray(symbols, dtype=np.int32), _model(counts))
    return encoder.get_compressed().astype("<u4").tobytes()


def decode_groups(data: bytes, groups: Sequence[tuple[int, np.ndarray]]) -> list[np.ndarray]:
    """The symbols of each (size, table counts) group, in order. Data that is not a
    stream of this layout gives symbols anyway (range decoding cannot tell) or a refusal;
    never a crash."""
    import constriction

    if len(data) % 4:
        raise InputError("the coded stream is damaged (its length is not a multiple of 4 bytes)")
    words = np.frombuffer(data, dtype="<u4").astype(np.uint32)
    decoder = constriction.stream.queue.RangeDecoder(words)
    out = []
    try:
        for size, counts in groups:
            symbols = decoder.decode(_model(counts), int(size)) if size else np.zeros(0, np.int32)
            out.append(np.asarray(symbols, dtype=np.int64))
    except (ValueError, RuntimeError, AssertionError) as error:
        raise InputError(f"the coded stream is damaged ({error})") from None
    return out
