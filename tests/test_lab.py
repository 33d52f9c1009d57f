"""Chapters run in JupyterLab, as a reader who typed `make lab` runs them, offline.

Starts JupyterLab from this environment on 127.0.0.1 (a free port, a token, no browser,
and config, data, runtime and settings folders of its own, so none of the user's are
read) on a temporary folder holding copies of the chapters, so the committed notebooks
are never saved. In headless Chromium, with every request to another host aborted, it
opens a chapter, runs all its cells and waits for the kernel to be idle with every code
cell executed; then it asserts that no cell has an error output (nor a traceback on
stderr) and that every widget output of the notebook is rendered with a non-zero size.
A last test breaks a copy of chapter 0 on purpose and checks that this is reported.

Run by ``make test``'s site step (``pytest -m site``), which installs JupyterLab first
(``make lab-env``, from requirements-lab.txt).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import psutil
import pytest

import test_site

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_LAB = Path(sys.executable).parent / "jupyter-lab"
CHAPTERS = ["00_how_to_use.ipynb", "02_vanishing_gradients.ipynb"]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
SERVER_START_S = 60  # until the server answers
APP_START_S = 90  # until JupyterLab has loaded in the page
KERNEL_START_S = 60  # until the notebook's kernel is idle
RUN_S = 240  # until every cell has run (chapters take at most 120 s in the book)
RENDER_S = 30  # until every widget output is drawn

# JupyterLab's user settings, in its own settings folder: every cell stays in the page
# (no windowing, so off-screen widgets have a size), never save, never fetch news.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

pytestmark = pytest.mark.site


class Lab:
    """One JupyterLab server, started from this environment in a temporary folder."""

    def __init__(self, home: Path):
        self.home = home
        self.notebooks = home / "notebooks"
        self.notebooks.mkdir()
        for name in CHAPTERS:  # copies: whatever happens to them, the repository is clean
            shutil.copy(ROOT / "notebooks" / name, self.notebooks / name)
        config, runtime = home / "config", home / "runtime"
        for path, value in SETTINGS.items():
            target = config / "lab" / "user-settings" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(value))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
        env.update(
            JUPYTER_CONFIG_DIR=str(config),
            JUPYTER_DATA_DIR=str(home / "data"),
            JUPYTER_RUNTIME_DIR=str(runtime),
            JUPYTERLAB_SETTINGS_DIR=str(config / "lab" / "user-settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(config / "lab" / "workspaces"),
            IPYTHONDIR=str(home / "ipython"),
            SEQLAB_CACHE_DIR=str(home / "checkpoints"),  # the kernel trains into it
            MPLCONFIGDIR=str(home / "matplotlib"),
        )
        self.token = secrets.token_hex(16)
        command = [
            str(JUPYTER_LAB),
            "--no-browser",
            "--ip=127.0.0.1",
            "--port=0",  # the system picks a free port; the server writes it to runtime/
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.notebooks}",
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, to drive it
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",  # no PyPI search
            # If this test dies without cleaning up, the server still ends on its own.
            "--MappingKernelManager.cull_idle_timeout=600",
            "--ServerApp.shutdown_no_activity_timeout=900",
        ]
        if os.geteuid() == 0:
            command.append("--allow-root")
        self.log_path = home / "server.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, env=env, cwd=home, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.url = self._wait_until_up(runtime)

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _wait_until_up(self, runtime: Path) -> str:
        info = runtime / f"jpserver-{self.process.pid}.json"
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                pytest.fail(f"JupyterLab exited with {self.process.returncode}:\n{self.log_tail()}")
            if info.is_file():
                try:
                    url = f"http://127.0.0.1:{json.loads(info.read_text())['port']}"
                    request = urllib.request.Request(
                        f"{url}/api/status", headers={"Authorization": f"token {self.token}"}
                    )
                    with urllib.request.urlopen(request, timeout=5) as response:
                        if response.status == 200:
                            return url
                except (OSError, ValueError, KeyError):
                    pass  # half-written file, or not listening yet
            time.sleep(0.25)
        self.stop()
        pytest.fail(f"JupyterLab did not answer within {SERVER_START_S} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the server (it shuts its kernels down), then anything it left behind."""
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        _, alive = psutil.wait_procs(children, timeout=10)
        for child in alive:
            child.kill()
        self.log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    assert JUPYTER_LAB.is_file(), f"no JupyterLab at {JUPYTER_LAB}: run `make lab-env`"
    server = Lab(tmp_path_factory.mktemp("lab"))
    yield server
    server.stop()


browser = test_site.browser  # the fixture: one Chromium for this module, as test_site's


# The notebook as JupyterLab's model holds it, and what the page shows of its widgets.
SUMMARY_JS = """([mime]) => {
    const panel = window.__seqlabPanel;
    const cells = panel.content.model.cells;
    const summary = {status: panel.sessionContext.kernelDisplayStatus, code: 0, executed: 0,
                     errors: [], widgets: 0, rendered: 0, seqlab: 0, broken: []};
    const drawn = el => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.height > 0;
    };
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code') continue;
        summary.code += 1;
        if (cell.executionCount !== null) summary.executed += 1;
        const where = `cell ${i} (${cell.sharedModel.getSource().split('\\n')[0].slice(0, 60)})`;
        const shown = panel.content.widgets[i].outputArea.widgets;  // one per output
        cell.outputs.toJSON().forEach((out, j) => {
            const text = [].concat(out.text || []).join('');
            if (out.output_type === 'error') {
                summary.errors.push(`${where}: ${out.ename}: ${out.evalue}`);
            } else if (out.name === 'stderr' && text.includes('Traceback')) {
                summary.errors.push(`${where}: a traceback on stderr: ${text}`);
            }
            if (!(out.data && out.data[mime])) return;
            summary.widgets += 1;
            const node = shown[j] && shown[j].node.querySelector('.jp-OutputArea-output');
            const view = node && node.querySelector('.seqlab-widget, .jupyter-widgets');
            const finishedBar = view && view.querySelector('.widget-hprogress')
                && getComputedStyle(view).display === 'none';
            const failed = node && (node.querySelector('.jupyter-widgets-error-widget')
                || node.textContent.includes('Error displaying widget'));
            if (view && (finishedBar || drawn(view)) && !failed) {
                summary.rendered += 1;
            } else {
                const shows = node ? node.textContent.slice(0, 200) : 'no output';
                summary.broken.push(`${where}: ${shows}`);
            }
        });
    }
    summary.seqlab = [...panel.node.querySelectorAll('.seqlab-widget')].filter(drawn).length;
    return summary;
}"""


class Session:
    """One page of JupyterLab, offline, with one notebook open in it."""

    def __init__(self, browser, lab: Lab, name: str):
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self.only_local)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", self.on_console)
        # ?reset: an empty workspace, so the chapters of earlier tests are not reopened
        self.page.goto(f"{lab.url}/lab?reset&token={lab.token}", wait_until="load")
        self.wait("window.jupyterapp !== undefined", APP_START_S, "JupyterLab to load", lab)
        self.page.evaluate(  # started here, waited for below (with a time limit)
            """(path) => { (async () => {
                const app = window.jupyterapp;
                await app.restored;
                const panel = await app.commands.execute('docmanager:open',
                                                         {path, factory: 'Notebook'});
                await panel.context.ready;
                await panel.sessionContext.ready;
                app.shell.activateById(panel.id);
                window.__seqlabPanel = panel;
            })().catch(e => { window.__seqlabOpenError = String(e); }); }""",
            name,
        )
        self.wait(
            "window.__seqlabPanel !== undefined || window.__seqlabOpenError !== undefined",
            KERNEL_START_S,
            f"JupyterLab to open {name}",
            lab,
        )
        error = self.page.evaluate("window.__seqlabOpenError || null")
        assert error is None, f"JupyterLab could not open {name}: {error}"
        self.wait(
            "window.__seqlabPanel.sessionContext.kernelDisplayStatus === 'idle'",
            KERNEL_START_S,
            f"the kernel of {name} to be idle",
            lab,
        )

    def only_local(self, route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.problems.append(f"request to another host: {url}")
            route.abort()

    def on_console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def summary(self) -> dict:
        return self.page.evaluate(SUMMARY_JS, [WIDGET_MIME])

    def wait(self, condition: str, seconds: float, what: str, lab: Lab) -> None:
        try:
            self.page.wait_for_function(condition, timeout=seconds * 1000, polling=250)
        except Exception as error:  # Playwright's TimeoutError, or the page went away
            state = ""
            if "__seqlabPanel" in condition:
                try:
                    state = f"\nnotebook: {self.summary()}"
                except Exception:
                    pass
            pytest.fail(
                f"timed out after {seconds} s waiting for {what} ({type(error).__name__}){state}"
                f"\nproblems: {self.problems}\nserver log:\n{lab.log_tail()}"
            )

    def run_all(self, lab: Lab) -> dict:
        """Run every cell; wait until the kernel is idle and every code cell has run
        (or one failed, which stops the run); return the notebook's summary."""
        self.page.evaluate(
            """() => { window.__seqlabRun = {done: false};
                window.jupyterapp.commands.execute('notebook:run-all-cells')
                  .then(() => { window.__seqlabRun.done = true; })
                  .catch(e => { window.__seqlabRun = {done: true, error: String(e)}; }); }"""
        )
        self.wait(
            f"""(() => {{ if (!window.__seqlabRun.done) return false;
                const s = ({SUMMARY_JS})(['{WIDGET_MIME}']);
                return s.status === 'idle' && (s.executed === s.code || s.errors.length > 0);
             }})()""",
            RUN_S,
            "all cells to run",
            lab,
        )
        summary = self.summary()
        if not summary["errors"] and summary["widgets"]:
            try:  # every widget output drawn; if not in time, the asserts say which
                self.page.wait_for_function(
                    f"(s => s.rendered === s.widgets)(({SUMMARY_JS})(['{WIDGET_MIME}']))",
                    timeout=RENDER_S * 1000,
                    polling=250,
                )
            except Exception:
                pass
            summary = self.summary()
        summary["run_error"] = self.page.evaluate("window.__seqlabRun.error || null")
        return summary

    def close(self) -> None:
        try:  # free the kernel for the next chapter
            self.page.evaluate(
                """() => Promise.race([window.__seqlabPanel?.sessionContext.shutdown(),
                                       new Promise(done => setTimeout(done, 10000))])"""
            )
        finally:
            self.context.close()


def run_chapter(browser, lab: Lab, name: str) -> dict:
    session = Session(browser, lab, name)
    try:
        summary = session.run_all(lab)
        summary["problems"] = session.problems
        return summary
    finally:
        session.close()


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_runs_in_jupyterlab(browser, lab, name):
    original = (ROOT / "notebooks" / name).read_bytes()
    s = run_chapter(browser, lab, name)
    assert s["run_error"] is None, f"{name}: run all cells failed: {s['run_error']}"
    assert s["errors"] == [], f"{name}: cells failed:\n" + "\n".join(s["errors"])
    assert s["executed"] == s["code"], f"{name}: {s['executed']} of {s['code']} code cells ran"
    assert s["widgets"] > 0, f"{name}: no widget output (is it still a chapter with widgets?)"
    assert s["rendered"] == s["widgets"], (
        f"{name}: {s['rendered']} of {s['widgets']} widget outputs drawn; not drawn: {s['broken']}"
    )
    assert s["seqlab"] > 0, f"{name}: no seqlab widget drawn with a non-zero size"
    assert s["problems"] == [], f"{name}:\n" + "\n".join(s["problems"])
    assert (ROOT / "notebooks" / name).read_bytes() == original, f"{name} was modified"


def test_a_failing_cell_is_reported(browser, lab):
    """The checks above can fail: a copy of chapter 0 with a cell that raises, before
    its widgets, is reported as such, and the cells after it do not run."""
    notebook = json.loads((lab.notebooks / CHAPTERS[0]).read_text())
    broken = {
        "cell_type": "code",
        "execution_count": None,
        "id": "deliberately-broken",
        "metadata": {},
        "outputs": [],
        "source": ['raise RuntimeError("deliberately broken")'],
    }
    imports = next(
        i for i, c in enumerate(notebook["cells"]) if "seqlab.widgets" in "".join(c["source"])
    )
    notebook["cells"].insert(imports + 1, broken)
    (lab.notebooks / "broken.ipynb").write_text(json.dumps(notebook))
    s = run_chapter(browser, lab, "broken.ipynb")
    assert any("RuntimeError: deliberately broken" in e for e in s["errors"]), s["errors"]
    assert s["executed"] < s["code"], "the cells after the broken one ran"


OWN_MODELS = """\
from seqlab.data import CharVocab, date_task
from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.seq2seq import Seq2Seq
from seqlab.widgets import LiveCharModels, LiveGates, LiveTranslator

vocab = CharVocab.from_text("a model of my own, trained on my own text.")
mine = RNNLM(RNNLMConfig(vocab_size=len(vocab), d_embed=8, hidden_size=16, cell="lstm"))
display(LiveCharModels({"my LSTM": mine}, vocab, "my own"))
display(LiveGates(mine, vocab, "my own"))
LiveTranslator(Seq2Seq.for_task(date_task(), hidden_size=16), "5 mar 1983")
"""


def test_live_widgets_take_a_readers_own_models(browser, lab):
    """The live widgets draw in JupyterLab too, given models a reader built there."""
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "own-models",
                "metadata": {},
                "outputs": [],
                "source": OWN_MODELS.splitlines(keepends=True),
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (lab.notebooks / "own_models.ipynb").write_text(json.dumps(notebook))
    s = run_chapter(browser, lab, "own_models.ipynb")
    assert s["errors"] == [] and s["run_error"] is None, s["errors"]
    assert s["widgets"] == s["rendered"] == s["seqlab"] == 3, s
    assert s["problems"] == [], "\n".join(s["problems"])
