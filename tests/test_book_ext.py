"""The book's Sphinx extension: the execution cache is keyed by the code, so a change to
seqlab re-executes chapters; vendored files; the bibliography is a list of list items."""

import importlib.util
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("seqlab_book", ROOT / "book/_ext/seqlab_book.py")
seqlab_book = importlib.util.module_from_spec(spec)
spec.loader.exec_module(seqlab_book)


def make_tree(tmp_path: Path) -> Path:
    (tmp_path / "src/seqlab").mkdir(parents=True)
    (tmp_path / "src/seqlab/rnn.py").write_text("x = 1\n")
    return tmp_path


def test_hash_changes_with_code_and_results_but_not_caches(tmp_path):
    root = make_tree(tmp_path)
    first = seqlab_book.code_hash(root)
    assert seqlab_book.code_hash(root) == first
    (root / "src/seqlab/__pycache__").mkdir()
    (root / "src/seqlab/__pycache__/rnn.pyc").write_bytes(b"\0")
    assert seqlab_book.code_hash(root) == first
    (root / "src/seqlab/rnn.py").write_text("x = 2\n")
    second = seqlab_book.code_hash(root)
    assert second != first
    (root / "src/seqlab/bench/results").mkdir(parents=True)
    (root / "src/seqlab/bench/results/speed-cpu.json").write_text("{}")
    assert seqlab_book.code_hash(root) != second


def test_cache_path_follows_the_hash_and_old_caches_are_removed(tmp_path):
    root = make_tree(tmp_path)
    outdir = root / "_build/html"
    stale = root / "_build/.jupyter_cache/0000000000000000"
    stale.mkdir(parents=True)
    app = types.SimpleNamespace(confdir=str(root), outdir=str(outdir))
    config = types.SimpleNamespace(nb_execution_cache_path="")
    seqlab_book.key_cache_by_code(app, config)
    assert Path(config.nb_execution_cache_path).name == seqlab_book.code_hash(root)
    assert not stale.exists()


def test_vendored_files_come_from_npm_and_the_anywidget_wheel():
    files = seqlab_book.vendor_files(ROOT)
    assert files["require.js"].is_relative_to(ROOT / "node_modules")
    assert "html-manager/embed-amd.js" in files
    assert files["anywidget/index.js"].name == "index.js"
    # require_config.js maps "anywidget" to this file: it must be the AMD build.
    assert 'define(["@jupyter-widgets/base"]' in files["anywidget/index.js"].read_text()
    assert all(src.is_file() for src in files.values())


def test_citation_entries_are_list_items():
    """The bibliography is a list whose entries are list items (axe: aria-required-children),
    not the deprecated doc-biblioentry role docutils writes."""
    from types import MethodType

    from docutils.core import publish_parts
    from docutils.writers.html5_polyglot import HTMLTranslator, Writer

    class Translator(HTMLTranslator):
        def __init__(self, document):
            super().__init__(document)
            # as Sphinx installs a handler registered with app.add_node
            self.visit_citation = MethodType(seqlab_book.visit_citation, self)

    writer = Writer()
    writer.translator_class = Translator
    source = "See [A]_ and [B]_.\n\n.. [A] First reference.\n.. [B] Second reference.\n"
    body = publish_parts(source, writer=writer)["body"]
    assert body.count('role="list"') == 1
    assert body.count('role="listitem"') == 2
    assert "doc-biblioentry" not in body
