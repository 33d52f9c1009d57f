"""The built site as a reader sees it, offline, in headless Chromium.

Serves ``_build/html`` on 127.0.0.1, opens every page with every request to another
host aborted, and asserts: no failed request, no console error (beyond the one known
Jupyter Book message), every widget view rendered with a non-zero size, and on each
widget an interaction changes what is displayed. Saves a screenshot of every page (and
a dark-mode one of each page with figures or widgets) under ``_build/screenshots/``.

Run by ``make test`` after the book build (``pytest -m site``).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("SEQLAB_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Jupyter Book 1 defines THEBE_JS_URL twice on every page; harmless (see WIDGETS.md).
KNOWN_CONSOLE_ERRORS = ("THEBE_JS_URL",)
VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'

pytestmark = pytest.mark.site


def site_pages() -> list[str]:
    skip = {"_static", "_sources", "_images", "reports"}
    return sorted(
        str(p.relative_to(SITE))
        for p in SITE.rglob("*.html")
        if not skip.intersection(p.relative_to(SITE).parts)
    )


PAGES = site_pages() if SITE.is_dir() else []


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url():
    assert (SITE / "index.html").is_file(), "no built site: run `make build` first"
    shutil.rmtree(SHOTS, ignore_errors=True)  # screenshots of this run only
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).is_file(), f"no browser at {CHROMIUM}: run `make chromium`"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


class Visit:
    """One page opened offline, with every problem it caused recorded."""

    def __init__(self, browser, url: str):
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self.only_local)
        self.page = self.context.new_page()
        self.page.on("console", self.on_console)
        self.page.on("pageerror", self.on_page_error)
        self.page.on("requestfailed", self.on_failed)
        self.page.on("response", self.on_response)
        self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def only_local(self, route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.problems.append(f"request to another host: {route.request.url}")
            route.abort()

    def on_console(self, msg):
        if msg.type == "error" and not any(k in msg.text for k in KNOWN_CONSOLE_ERRORS):
            self.problems.append(f"console error: {msg.text}")

    def on_page_error(self, error):
        if not any(k in str(error) for k in KNOWN_CONSOLE_ERRORS):
            self.problems.append(f"page error: {error}")

    def on_failed(self, request):
        self.problems.append(f"failed request: {request.url} ({request.failure})")

    def on_response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def close(self):
        self.context.close()


def shot_name(page: str) -> str:
    return page.removesuffix(".html").replace("/", "__")


def test_the_site_has_pages():
    assert "notebooks/00_how_to_use.html" in PAGES, f"chapter 0 missing from {SITE}"


@pytest.mark.parametrize("page", PAGES)
def test_page_offline(browser, base_url, page):
    visit = Visit(browser, f"{base_url}/{page}")
    try:
        n_views = visit.page.locator(VIEW).count()
        if n_views:
            check_widgets_render(visit.page, n_views)
        SHOTS.mkdir(parents=True, exist_ok=True)
        visit.page.screenshot(path=str(SHOTS / f"{shot_name(page)}.png"), full_page=True)
        if n_views or visit.page.locator(".cell_output img, figure svg").count():
            visit.page.evaluate("document.documentElement.dataset.theme = 'dark'")
            visit.page.wait_for_timeout(200)
            path = SHOTS / f"{shot_name(page)}-dark.png"
            visit.page.screenshot(path=str(path), full_page=True)
        visit.page.wait_for_load_state("networkidle")
        assert visit.problems == [], f"{page}:\n" + "\n".join(visit.problems)
    finally:
        visit.close()


def check_widgets_render(page, n_views: int) -> None:
    """Every widget view is drawn with a non-zero size, except finished progress bars,
    which take no space at all."""
    page.wait_for_function(
        """([selector, n]) => [...document.querySelectorAll(selector)]
              .filter(s => {
                  const view = s.parentElement.querySelector('.widget-subarea, .seqlab-widget');
                  if (!view) return false;
                  if (view.querySelector('.widget-hprogress')
                      && getComputedStyle(view).display === 'none') return true;
                  const box = s.parentElement.getBoundingClientRect();
                  return box.width > 0 && box.height > 0;
              }).length === n""",
        arg=[VIEW, n_views],
        timeout=15_000,
    )
    empty_bands = page.evaluate(
        """() => [...document.querySelectorAll('.widget-subarea')]
              .filter(a => a.querySelector('.widget-hbox[style*="visibility: hidden"]'))
              .filter(a => a.getBoundingClientRect().height > 0).length"""
    )
    assert empty_bands == 0, f"{empty_bands} finished progress bars still take space"


# Pages with a seqlab widget (its front end, embedded in the page, names its class).
PAGES_WITH_WIDGETS = [p for p in PAGES if "seqlab-widget" in (SITE / p).read_text()]


def test_chapter_0_has_widgets():
    assert "notebooks/00_how_to_use.html" in PAGES_WITH_WIDGETS


def state(widget) -> str:
    """Everything a widget displays: its plot and its readout."""
    return widget.evaluate(
        """el => (el.querySelector('[data-role=plot]')?.innerHTML || '')
                 + '|' + (el.querySelector('[data-role=readout]')?.textContent || '')"""
    )


def check_stepper(widget, step, page):
    """Each step of the slider reveals exactly one more row, and the readout follows."""
    cells = widget.locator("[data-role=cell]")
    n_cols = widget.locator("[data-role=col-label]").count()
    n_rows = widget.locator("[data-role=row-label]").count()

    def filled():
        return cells.evaluate_all("cs => cs.filter(c => c.getAttribute('fill') !== 'none').length")

    step.fill("1")
    assert filled() == n_cols, f"{page}: step 1 should show one row of weights"
    assert f"step 1 of {n_rows}" in widget.locator("[data-role=readout]").text_content()
    step.fill(str(n_rows))
    assert filled() == n_rows * n_cols, f"{page}: the last step should show every row"
    assert f"step {n_rows} of {n_rows}" in widget.locator("[data-role=readout]").text_content()
    select = widget.locator("[data-role=select]")
    if select.count():  # another example starts again at step 1
        select.select_option(index=0)
        assert step.input_value() == "1"


@pytest.mark.parametrize("page", PAGES_WITH_WIDGETS)
def test_widgets_respond(browser, base_url, page):
    visit = Visit(browser, f"{base_url}/{page}")
    try:
        check_widgets_render(visit.page, visit.page.locator(VIEW).count())
        curves = visit.page.locator('[data-seqlab-widget="curve-explorer"]')
        heatmaps = visit.page.locator('[data-seqlab-widget="heatmap-viewer"]')
        panels = visit.page.locator('[data-seqlab-widget="panel-explorer"]')
        assert curves.count() + heatmaps.count() + panels.count() > 0, f"{page}: no seqlab widget"
        for i in range(panels.count()):
            widget = panels.nth(i)
            select = widget.locator("[data-role=select]")
            n = select.locator("option").count()
            assert n >= 2, f"{page}: a panel explorer with {n} panels"
            seen = set()
            for k in range(n):  # every panel draws its own series, with a legend
                select.select_option(index=k)
                series = widget.locator("[data-role=series]")
                assert series.count() >= 1, f"{page}: panel {k} draws no series"
                assert widget.locator("[data-role=legend] .seqlab-key").count() == series.count()
                seen.add(tuple(series.evaluate_all("ps => ps.map(p => p.getAttribute('d'))")))
            assert len(seen) == n, f"{page}: two panels drew the same curves"
        for i in range(curves.count()):
            widget = curves.nth(i)
            control = widget.locator("[data-role=slider], [data-role=select]").first
            before = widget.locator("[data-role=curve]").get_attribute("d")
            text = widget.locator("[data-role=readout]").text_content()
            if control.evaluate("e => e.tagName") == "SELECT":
                control.select_option(index=(control.evaluate("e => e.selectedIndex") + 1) % 2)
            else:
                value = int(control.input_value())
                control.fill(str(value + 1 if value < int(control.get_attribute("max")) else 0))
            assert widget.locator("[data-role=curve]").get_attribute("d") != before
            assert widget.locator("[data-role=readout]").text_content() != text
        for i in range(heatmaps.count()):
            widget = heatmaps.nth(i)
            before = state(widget)
            widget.locator("[data-role=row-label]").nth(1).hover()
            assert widget.locator("[data-role=cell].seqlab-hl").count() > 0
            assert state(widget) != before, f"{page}: hovering a row label changed nothing"
            widget.locator("[data-role=col-label]").nth(0).hover()
            hovered_col = state(widget)
            select = widget.locator("[data-role=select]")
            if select.count():
                fills = widget.locator("[data-role=cell]").evaluate_all(
                    "cs => cs.map(c => c.getAttribute('fill'))"
                )
                select.select_option(index=1)
                after = widget.locator("[data-role=cell]").evaluate_all(
                    "cs => cs.map(c => c.getAttribute('fill'))"
                )
                assert after != fills, f"{page}: choosing another matrix changed no cell"
            assert hovered_col
            step = widget.locator("[data-role=step]")
            if step.count():  # a decoding stepper: one more row of weights per step
                check_stepper(widget, step, page)
        assert visit.problems == [], f"{page}:\n" + "\n".join(visit.problems)
    finally:
        visit.close()


def test_figures_are_opaque_cards_that_read_in_dark_mode():
    """Every figure a chapter drew is an opaque PNG on a light background (the book's
    style): on the dark theme it shows as a light card, never as dark ink on dark."""
    from PIL import Image

    images = sorted((SITE / "_images").glob("*.png"))
    assert images, f"no figures in {SITE / '_images'}"
    for path in images:
        with Image.open(path) as image:
            rgba = image.convert("RGBA")
            w, h = rgba.size
            for x, y in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)):
                r, g, b, a = rgba.getpixel((x, y))
                assert a == 255, f"{path.name}: transparent corner, unreadable on the dark theme"
                assert min(r, g, b) >= 200, f"{path.name}: a dark background at a corner"
