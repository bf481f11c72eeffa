"""sigma.js and graphology for the WebGL renderer, read from ipysigma's installed package.

No PyPI package ships sigma.js as a plain browser build, but ipysigma (the
Jupyter widget built on sigma.js) installs its JupyterLab extension as webpack
chunks: files that push ``{module path: factory}`` tables onto
``self.webpackChunkipysigma``. The chunks holding sigma, graphology and their
few dependencies are inlined into the page, followed by a twenty-line module
loader (``assets/webgl-loader.js``) that runs those factories and exposes
``window.Sigma`` and ``window.graphology``. Nothing is copied into the
repository and nothing is downloaded: the files are read from the installed
package each time a view is written, and a missing or changed package is a
clear error rather than a blank page.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.metadata import PackageNotFoundError, version

CHUNK_PREFIXES: tuple[str, ...] = (
    "vendors-node_modules_graphology_dist_graphology_umd_min_js.",
    "vendors-node_modules_events_events_js-node_modules_sigma_rendering_webgl_programs_",
    "vendors-node_modules_sigma_index_js.",
    "node_modules_graphology-utils_getters_js-",
    "vendors-node_modules_yomguithereal_sigma-experiments-renderers_edge_edge_curve_js-",
)
"""The labextension chunks sigma's and graphology's modules live in (names end in a hash).

The last holds the node and edge programs ipysigma draws with besides sigma's own:
node shapes from pictograms (``node.pictogram``) and one-pixel lines (``edge.line``)."""


class RendererUnavailable(RuntimeError):
    """The WebGL renderer's JavaScript cannot be read from the installed ipysigma."""


def ipysigma_version() -> str:
    try:
        return version("ipysigma")
    except PackageNotFoundError:
        raise RendererUnavailable(
            "the WebGL view needs the ipysigma package (pip install ipysigma)"
        ) from None


@cache
def chunks() -> str:
    """The webpack chunks with sigma.js and graphology, concatenated, ready to inline."""
    ipysigma_version()
    static = resources.files("ipysigma") / "labextension" / "static"
    names = sorted(entry.name for entry in static.iterdir() if entry.name.endswith(".js"))
    texts = []
    for prefix in CHUNK_PREFIXES:
        found = [name for name in names if name.startswith(prefix)]
        if len(found) != 1:
            raise RendererUnavailable(
                f"ipysigma {ipysigma_version()} has no single chunk starting {prefix!r}: "
                "this statecrime does not know its layout (use --renderer canvas)"
            )
        text = (static / found[0]).read_text(encoding="utf-8")
        if "</script" in text.lower():
            raise RendererUnavailable(f"ipysigma's {found[0]} cannot be inlined")
        texts.append(text)
    return "\n;\n".join(texts)
