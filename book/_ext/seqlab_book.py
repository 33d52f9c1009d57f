"""Sphinx extension that keeps the built book honest and offline.

1. Execution cache keyed by the code: the jupyter-cache folder is
   ``_build/.jupyter_cache/<hash>``, where the hash covers every file under
   ``src/seqlab`` (results files that chapters read included). jupyter-cache alone keys on
   the notebook's code cells, so without this a change to ``seqlab`` would leave stale
   outputs in the site. Caches for other hashes are deleted.
2. Vendored JavaScript: require.js, the ipywidgets HTML manager and MathJax come from
   ``node_modules`` (installed by ``npm ci`` from the pinned lock file), anywidget's
   front end from the installed anywidget wheel. They are copied into
   ``<site>/_static/_vendor`` after each build, so no page loads anything from
   another host. Nothing of it is committed. The site's own stylesheet
   (``seqlab_site.css``) is copied the same way.
3. Accessible bibliography: docutils writes the citation list as ``role="list"`` whose
   entries have ``role="doc-biblioentry"``, a role DPUB-ARIA 1.1 deprecates and that no
   longer counts as a list item, so the list has no items for assistive technology
   (axe: ``aria-required-children``, critical; ``aria-deprecated-role``). Each entry is
   written as a ``listitem`` instead (tests/test_a11y.py checks the built site).
"""

from __future__ import annotations

import hashlib
import shutil
from importlib import metadata
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
CACHE_INPUTS = ("src/seqlab",)
VENDOR = "_static/_vendor"


def code_hash(root: Path) -> str:
    """Hash of the contents and paths of every file the notebooks' outputs depend on."""
    digest = hashlib.sha256()
    for top in CACHE_INPUTS:
        for path in sorted((root / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def key_cache_by_code(app: Sphinx, config) -> None:
    root = Path(app.confdir)
    caches = Path(app.outdir).parent / ".jupyter_cache"
    current = caches / code_hash(root)
    if caches.is_dir():
        for old in caches.iterdir():
            if old != current and old.is_dir():
                shutil.rmtree(old)
    config.nb_execution_cache_path = str(current)
    logger.info(f"[seqlab] execution cache keyed by src/seqlab: {current.name}")


def anywidget_frontend() -> Path:
    """The AMD build of anywidget's front end shipped inside the installed wheel."""
    dist = metadata.distribution("anywidget")
    for file in dist.files or []:
        if str(file).replace("\\", "/").endswith("nbextensions/anywidget/index.js"):
            return Path(dist.locate_file(file)).resolve()
    raise ExtensionError("anywidget's nbextensions/anywidget/index.js not found in its wheel")


def vendor_files(root: Path) -> dict[str, Path]:
    """Destination (relative to the vendor folder) -> source."""
    modules = root / "node_modules"
    if not modules.is_dir():
        raise ExtensionError(
            "node_modules/ is missing: run `npm ci` (or `make book`) so the site can serve "
            "its own widget and math JavaScript"
        )
    files = {
        "require.js": modules / "requirejs" / "require.js",
        "require_config.js": HERE / "require_config.js",
        "seqlab_site.css": HERE / "seqlab_site.css",
        "anywidget/index.js": anywidget_frontend(),
    }
    for src in (modules / "@jupyter-widgets" / "html-manager" / "dist").iterdir():
        if src.is_file() and not src.name.endswith((".map", ".LICENSE.txt")):
            files[f"html-manager/{src.name}"] = src
    return files


def copy_vendor(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    root = Path(app.confdir)
    dest = Path(app.outdir) / VENDOR
    for name, src in vendor_files(root).items():
        if not src.is_file():
            raise ExtensionError(f"vendored file missing: {src} (run `npm ci`)")
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    mathjax = root / "node_modules" / "mathjax" / "es5"
    shutil.copytree(mathjax, dest / "mathjax", dirs_exist_ok=True)


def visit_citation(self, node) -> None:
    """The HTML translator's own ``visit_citation``, with each entry a ``listitem``."""
    type(self).visit_citation(self, node)
    self.body[-1] = self.body[-1].replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", key_cache_by_code)
    app.add_node(nodes.citation, override=True, html=(visit_citation, None))
    app.connect("build-finished", copy_vendor)
    app.add_css_file("_vendor/seqlab_site.css")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
