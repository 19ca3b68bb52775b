"""``aekit export MODEL --format onnx``: a fitted model's graphs as ONNX files.

Traced with torch's TorchScript-based exporter (``torch.onnx.export(..., dynamo=False)``),
which runs offline with nothing beyond torch; the newer dynamo exporter needs
``onnxscript``. Opset :data:`OPSET`, the batch axis dynamic. The file is checked with
``onnx.checker`` and written atomically; its metadata names the graph, the model type,
the input's shape and (detectors) the features. What each graph takes and gives:
:mod:`aekit.serve.graphs`.
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass
from typing import Callable

import torch

from aekit.errors import ConfigError
from aekit.serve import require
from aekit.serve.graphs import DecoderGraph, EncoderGraph, ScoreGraph, feature_names

OPSET = 17
FORMATS = ("onnx",)


@dataclass(frozen=True)
class Graph:
    build: Callable  # model -> torch module
    example: Callable  # model -> example input (batch of 2)
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


def _samples(model) -> torch.Tensor:
    return torch.zeros(2, *model.input_shape_)


def _codes(model) -> torch.Tensor:
    return torch.zeros(2, model.transform(torch.zeros(1, *model.input_shape_).numpy()).shape[1])


def _features(det) -> torch.Tensor:
    return torch.zeros(2, len(feature_names(det)), dtype=torch.float64)


def _ae_code(net, x):
    return net.encode(x)


def _vae_code(net, x):
    return net.posterior(x)[0]  # the posterior mean, as transform gives


def _model_graphs(encode) -> dict[str, Graph]:
    return {
        "encoder": Graph(lambda m: EncoderGraph(m, encode), _samples, ("x",), ("code",)),
        "decoder": Graph(DecoderGraph, _codes, ("code",), ("reconstruction",)),
    }


# The graphs each model type exports; the first is the default.
GRAPHS: dict[str, dict[str, Graph]] = {
    "anomaly_detector": {"score": Graph(ScoreGraph, _features, ("features",),
                                        ("anomaly_score", "is_anomaly"))},
    "autoencoder": _model_graphs(_ae_code),
    "vae": _model_graphs(_vae_code),
}


def graphs_of(kind: str) -> list[str]:
    return list(GRAPHS.get(kind, {}))


def export_onnx(model, out, *, kind: str, graph: str | None = None) -> str:
    """Write ``graph`` (default: the type's first) of the fitted ``model`` to ``out``;
    returns the graph's name."""
    require("onnx")
    import onnx

    from aekit._atomic import write_bytes

    if kind not in GRAPHS:
        raise ConfigError(f"aekit export handles {', '.join(sorted(GRAPHS))} models, not {kind!r}")
    graph = graph or graphs_of(kind)[0]
    if graph not in GRAPHS[kind]:
        raise ConfigError(f"a {kind} model exports the graph(s) {', '.join(graphs_of(kind))}, "
                          f"not {graph!r}")
    spec = GRAPHS[kind][graph]
    module = spec.build(model).eval()
    proto = onnx.load_from_string(_trace(module, spec, model))
    names = feature_names(model) if kind == "anomaly_detector" else None
    meta = {"aekit_graph": graph, "aekit_model_type": kind,
            "input_shape": json.dumps(list(model.input_shape_)), "opset": str(OPSET)}
    if names is not None:
        meta["feature_names"] = json.dumps(names)
    for key, value in meta.items():
        proto.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(proto)
    write_bytes(out, proto.SerializeToString())
    return graph


def _trace(module: torch.nn.Module, spec: Graph, model) -> bytes:
    buffer = io.BytesIO()
    dynamic = {name: {0: "batch"} for name in (*spec.inputs, *spec.outputs)}
    with torch.no_grad(), warnings.catch_warnings():
        # the TorchScript exporter's deprecation notice: it is chosen on purpose (offline)
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(module, (spec.example(model),), buffer, dynamo=False,
                              opset_version=OPSET, input_names=list(spec.inputs),
                              output_names=list(spec.outputs), dynamic_axes=dynamic)
        except Exception as exc:  # an operator ONNX lacks (e.g. a custom module's)
            raise ConfigError(f"this model cannot be exported to ONNX: "
                              f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    return buffer.getvalue()
