"""``aekit export MODEL --format onnx --out FILE``: a model's graphs for other runtimes."""

from __future__ import annotations

import click

from aekit.cli.kinds import check_model_folder, describe
from aekit.cli.options import check_output, overwrite_option
from aekit.errors import ConfigError, ModelFileError


@click.command()
@click.argument("model", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["onnx"]), default="onnx", show_default=True)
@click.option("--out", required=True, help="The .onnx file to write.")
@click.option("--graph", default=None,
              help="encoder (default) or decoder for auto-encoders and VAEs; score for "
                   "anomaly detectors (the default).")
@overwrite_option
def export(model, fmt, out, graph, overwrite):
    """Write one graph of MODEL as ONNX (opset 17, batch axis dynamic), checked and
    written atomically; run it with onnxruntime alone."""
    from aekit.io import load
    from aekit.serve.export import GRAPHS, export_onnx, graphs_of

    check_output(out, overwrite=overwrite, inputs=(model,), suffixes=(".onnx",),
                 what="ONNX files")
    kind = check_model_folder(model)["type"]
    if kind not in GRAPHS:
        raise ModelFileError(f"{model} is {describe(kind)}; `aekit export` exports "
                             f"{' or '.join(describe(k) for k in GRAPHS)}")
    if graph is not None and graph not in GRAPHS[kind]:
        raise ConfigError(f"--graph {graph}: {describe(kind)} exports "
                          f"{' or '.join(graphs_of(kind))}")
    written = export_onnx(load(model), out, kind=kind, graph=graph)
    click.echo(f"wrote the {written} graph of {model} to {out}")
