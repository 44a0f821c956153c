"""SessionOptions.optimized_model_filepath: save the session's optimized graph."""
from __future__ import annotations

from ..frontend import save_gim
from ..ir import Graph
from ..optimizer import optimize
from ..output_files import writing
from .settings import SessionSettings


def save_optimized_model(graph: Graph, settings: SessionSettings) -> None:
    """Write `graph` as optimized before input shapes are known (a .gim file, which gpu_infer loads)
    when the options ask for it; the session keeps its own graph untouched."""
    path = settings.options.optimized_model_filepath
    if path:
        with writing(path, "SessionOptions.optimized_model_filepath"):
            save_gim(optimize(graph.copy()) if settings.optimize_graph else graph, path)
