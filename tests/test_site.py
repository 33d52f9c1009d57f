"""The built site as a reader sees it, offline, in headless Chromium.

Serves ``_build/html`` on 127.0.0.1, opens every page with every request to another
host aborted, and asserts: no failed request, no console error (beyond the one known
Jupyter Book message), every widget view rendered with a non-zero size, and on each
widget an interaction changes what is displayed, by mouse and by keyboard alone (with a
visible focus ring and a live readout). axe-core's accessibility check of every page,
widgets included, is tests/test_a11y.py. Saves a screenshot of every page (and
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
        # the live widgets and the self-checks: tests/test_live_site.py
        assert visit.page.locator("[data-seqlab-widget]").count() > 0, f"{page}: no seqlab widget"
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


# The diagrams of chapters 5 to 9 (seqlab.plot.draw_*): the page that draws each and a
# phrase of its alt text (the drawing cell's {"mystnb": {"image": {"alt": ...}}}).
# Keep in step with those cells: a phrase changed there must change here.
DIAGRAM_FIGURES = [
    ("notebooks/05_attention_for_rnns.html", "Bahdanau additive attention on the left"),
    ("notebooks/06_self_attention.html", "Flow diagram of scaled dot-product attention"),
    ("notebooks/07_multi_head_attention.html", "Flow diagram of multi-head attention"),
    ("notebooks/09_full_transformer.html", "a post-LN Transformer layer on the left"),
    ("notebooks/09_full_transformer.html", "Diagram of the encoder-decoder Transformer"),
    ("notebooks/09_full_transformer.html", "Diagram of generation with a key-value cache"),
]

# Every <img> of the page whose alt text contains the phrase: loaded, and its size.
IMAGES_WITH_ALT = """phrase => [...document.images]
    .filter(img => (img.getAttribute('alt') || '').includes(phrase))
    .map(img => ({complete: img.complete, width: img.naturalWidth,
                  src: img.getAttribute('src')}))"""


@pytest.mark.parametrize(("page", "phrase"), DIAGRAM_FIGURES)
def test_every_diagram_is_on_its_page_and_loaded(browser, base_url, page, phrase):
    """Each diagram of chapters 5 to 9 is shown on its chapter's page: an image whose
    alt text is that figure's, and whose file the browser loaded (a non-zero width)."""
    assert page in PAGES, f"{page} is not in the built site"
    visit = Visit(browser, f"{base_url}/{page}")
    try:
        images = visit.page.evaluate(IMAGES_WITH_ALT, phrase)
        assert len(images) == 1, f"{page}: {len(images)} images with alt text {phrase!r}"
        assert images[0]["complete"] and images[0]["width"] > 0, f"{page}: not loaded {images}"
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


# --- keyboard and screen readers -------------------------------------------------------


def rgb(colour: str) -> tuple[float, float, float]:
    """'rgb(1, 2, 3)' or 'rgba(1, 2, 3, 0.5)' (a computed CSS colour) as three numbers."""
    assert colour.startswith("rgb"), f"not an sRGB colour: {colour}"
    return tuple(float(v) for v in colour[colour.index("(") + 1 : -1].split(",")[:3])


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two computed colours (1 to 21)."""

    def luminance(colour):
        def channel(v):
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(v) for v in rgb(colour))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def focused(page) -> dict:
    """The focused element: its data-role, row, column, classes, whether it shows a
    keyboard focus ring (:focus-visible) and its computed outline and stroke."""
    return page.evaluate(
        """() => {
            const e = document.activeElement, s = getComputedStyle(e);
            return {role: e.dataset.role || e.tagName, row: e.dataset.row ?? null,
                    col: e.dataset.col ?? null, hl: e.classList.contains('seqlab-hl'),
                    visible: e.matches(':focus-visible'), label: e.getAttribute('aria-label'),
                    text: e.textContent, outline: s.outlineStyle,
                    outlineWidth: parseFloat(s.outlineWidth), outlineColor: s.outlineColor,
                    stroke: s.stroke};
        }"""
    )


def background(widget) -> str:
    return widget.evaluate("el => getComputedStyle(el).backgroundColor")


def check_outline(page, widget, where: str) -> None:
    """The focused element draws a keyboard focus outline that stands out (3:1) from
    the widget's background, in the light and in the dark theme."""
    for theme in ("light", "dark"):
        page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        now = focused(page)
        assert now["visible"], f"{where}: {now['role']} has focus but no :focus-visible"
        assert now["outline"] not in ("none", "hidden") and now["outlineWidth"] >= 2, (
            f"{where}: no focus outline on {now['role']} ({now['outline']} {now['outlineWidth']})"
        )
        ratio = contrast(now["outlineColor"], background(widget))
        assert ratio >= 3, f"{where}, {theme} theme: focus outline contrast {ratio:.1f} < 3"
    page.evaluate("document.documentElement.dataset.theme = 'light'")


def check_cell_ring(page, widget, where: str) -> None:
    """A focused cell shows the focus ring, drawn above the grid around that cell,
    legible (3:1 against the widget's background) in the light and in the dark theme."""
    ring = widget.locator("[data-role=focus-ring]")
    for theme in ("light", "dark"):
        page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        info = ring.evaluate(
            """r => {
                const s = getComputedStyle(r), c = document.activeElement;
                const a = r.getBBox(), b = c.getBBox();
                return {visibility: s.visibility, stroke: s.stroke,
                        width: parseFloat(s.strokeWidth), last: !r.nextElementSibling,
                        around: a.x < b.x && a.y < b.y && a.x + a.width > b.x + b.width
                                && a.y + a.height > b.y + b.height};
            }"""
        )
        assert info["visibility"] == "visible", f"{where}: no focus ring on the focused cell"
        assert info["around"] and info["last"], f"{where}: the ring is not drawn around the cell"
        assert info["stroke"] not in ("none", "") and info["width"] >= 2, f"{where}: {info}"
        ratio = contrast(info["stroke"], background(widget))
        assert ratio >= 3, f"{where}, {theme} theme: focus ring contrast {ratio:.1f} < 3"
        assert focused(page)["stroke"] != "none", f"{where}: the focused cell has no stroke"
    page.evaluate("document.documentElement.dataset.theme = 'light'")


def check_live_readout(widget, where: str) -> None:
    readout = widget.locator("[data-role=readout]")
    assert readout.get_attribute("aria-live") == "polite", f"{where}: readout is not aria-live"


def accessible_name(control) -> str:
    return control.evaluate(
        """e => (e.getAttribute('aria-label')
                 || [...(e.labels || [])].map(l => l.textContent).join(' ')).trim()"""
    )


def check_heatmap_keys(page, widget, where: str) -> None:
    """The grid is one Tab stop; arrow keys move over cells and labels, each showing
    what a hover shows (highlight and readout), with a visible focus ring."""
    check_live_readout(widget, where)
    readout = widget.locator("[data-role=readout]")
    grid = widget.locator("[role=grid]")
    assert grid.count() == 1 and grid.get_attribute("aria-label"), f"{where}: no labelled grid"
    cells = widget.locator("[data-role=cell]")
    n_rows = widget.locator("[data-role=row-label]").count()
    n_cols = widget.locator("[data-role=col-label]").count()
    assert cells.evaluate_all(
        "cs => cs.every(c => c.getAttribute('role') === 'gridcell' && c.getAttribute('aria-label'))"
    ), f"{where}: a cell without role=gridcell or aria-label"
    stops = widget.locator("[role=grid] [tabindex='0']")
    assert stops.count() == 1, f"{where}: the grid should be exactly one Tab stop"
    controls = widget.locator("[data-role=select], [data-role=step]")
    idle = readout.text_content()
    if controls.count():  # Tab from the last control lands in the grid
        controls.last.focus()
        page.keyboard.press("Tab")
    else:
        stops.focus()
    now = focused(page)
    assert now["role"] == "cell", f"{where}: Tab did not enter the grid ({now['role']})"
    r, c = int(now["row"]), int(now["col"])
    assert now["hl"] and readout.text_content() != idle, f"{where}: focus showed nothing"

    def row_text(k):
        return widget.locator("[data-role=row-label]").nth(k).text_content()

    def col_text(k):
        return widget.locator("[data-role=col-label]").nth(k).text_content()

    c2 = c + 1 if c + 1 < n_cols else c - 1
    before = readout.text_content()
    page.keyboard.press("ArrowRight" if c2 > c else "ArrowLeft")
    now = focused(page)
    assert (now["role"], now["row"], now["col"]) == ("cell", str(r), str(c2)), f"{where}: {now}"
    text = readout.text_content()
    assert now["hl"] and text != before, f"{where}: moving right changed no readout"
    assert f"'{row_text(r)}'" in text and f"'{col_text(c2)}'" in text, f"{where}: {text!r}"
    assert f"'{row_text(r)}'" in now["label"] and f"'{col_text(c2)}'" in now["label"]
    if "not produced yet" not in now["label"]:  # the readout says the cell's value
        assert text.endswith(now["label"].rsplit(": ", 1)[1]), f"{where}: {text!r} {now}"
    highlighted = widget.locator("[data-role=cell].seqlab-hl")
    assert highlighted.count() == n_rows + n_cols - 1, f"{where}: row and column not lit"
    check_cell_ring(page, widget, where)
    # up, past the first row, onto the column label
    for _ in range(r + 1):
        page.keyboard.press("ArrowUp")
    now = focused(page)
    assert (now["role"], now["col"]) == ("col-label", str(c2)), f"{where}: {now}"
    assert now["hl"] and highlighted.count() == n_rows, f"{where}: column not lit"
    assert f"'{col_text(c2)}'" in readout.text_content()
    check_outline(page, widget, where)
    # down into the first row, left past the first column, onto the row label
    page.keyboard.press("ArrowDown")
    for _ in range(c2 + 1):
        page.keyboard.press("ArrowLeft")
    now = focused(page)
    assert (now["role"], now["row"]) == ("row-label", "0"), f"{where}: {now}"
    assert now["hl"] and highlighted.count() == n_cols, f"{where}: row not lit"
    assert f"'{row_text(0)}'" in readout.text_content()
    check_outline(page, widget, where)
    page.keyboard.press("End")
    assert (focused(page)["row"], focused(page)["col"]) == ("0", str(n_cols - 1))
    # leaving the grid clears the highlight; the Tab stop stays where focus left it
    page.keyboard.press("Shift+Tab")
    assert widget.locator(".seqlab-hl").count() == 0, f"{where}: highlight left behind"
    assert readout.text_content() != text
    assert stops.count() == 1 and stops.get_attribute("data-col") == str(n_cols - 1)


def check_live_keys(page, widget, where: str) -> None:
    """A live widget is typed into from the keyboard: the box has a name and a focus
    outline, Backspace changes what the widget shows, and the message line is a polite
    live region; every other control has a name and a focus outline."""
    box, message = widget.locator("[data-role=input]"), widget.locator("[data-role=message]")
    assert message.get_attribute("aria-live") == "polite", f"{where}: message not aria-live"
    assert accessible_name(box), f"{where}: the text box has no accessible name"
    box.focus()
    check_outline(page, widget, where)
    before = widget.inner_text()
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    assert widget.inner_text() != before, f"{where}: typing changed nothing"
    for control in widget.locator("select, button, input[type=range], [data-role=seed]").all():
        assert accessible_name(control) or control.text_content(), f"{where}: unnamed control"
        control.focus()
        check_outline(page, widget, where)


def check_self_check_keys(page, widget, where: str) -> None:
    """A question is answered from the keyboard: arrow keys pick a choice, Enter checks
    it, and the feedback is a polite live region; every control shows a focus ring."""
    question = widget.locator("[data-role=question][data-kind=pick]").first
    feedback = question.locator("[data-role=feedback]")
    assert feedback.get_attribute("aria-live") == "polite", f"{where}: feedback not aria-live"
    first = question.locator("[data-role=choice]").first
    first.focus()
    page.keyboard.press("ArrowDown")  # a radio group: the arrow selects the next choice
    assert question.locator("[data-role=choice]").nth(1).is_checked(), f"{where}: arrow key"
    check_outline(page, widget, where)
    page.keyboard.press("Enter")
    assert feedback.get_attribute("data-result") in ("right", "wrong"), f"{where}: Enter"
    page.keyboard.press("Tab")  # to the Check button
    assert focused(page)["role"] == "check", f"{where}: Tab did not reach Check"
    check_outline(page, widget, where)
    number = widget.locator("[data-role=number]")
    if number.count():
        number.first.focus()
        check_outline(page, widget, where)
        assert accessible_name(number.first), f"{where}: the number box has no name"


def check_control_keys(page, widget, control, what: str, where: str) -> None:
    """A control has a name and a focus outline, and its arrow key changes `what`."""
    check_live_readout(widget, where)
    assert accessible_name(control), f"{where}: a control without an accessible name"
    control.focus()
    check_outline(page, widget, where)
    before, value = widget.locator(what).first.get_attribute("d"), control.input_value()
    if control.evaluate("e => e.tagName") == "SELECT":  # a closed select steps through
        last = control.evaluate("e => e.selectedIndex === e.options.length - 1")
        page.keyboard.press("ArrowUp" if last else "ArrowDown")
    else:
        last = control.input_value() == control.get_attribute("max")
        page.keyboard.press("ArrowLeft" if last else "ArrowRight")
    assert control.input_value() != value, f"{where}: the arrow key moved no control"
    assert widget.locator(what).first.get_attribute("d") != before, f"{where}: plot unchanged"


@pytest.mark.parametrize("page", PAGES_WITH_WIDGETS)
def test_widgets_work_by_keyboard(browser, base_url, page):
    """What the mouse reaches, Tab and the arrow keys reach too, with a visible focus
    ring, and the readout is a live region a screen reader announces."""
    visit = Visit(browser, f"{base_url}/{page}")
    try:
        check_widgets_render(visit.page, visit.page.locator(VIEW).count())
        widgets = visit.page.locator("[data-seqlab-widget]")
        assert widgets.count() > 0, f"{page}: no seqlab widget"
        for i in range(widgets.count()):
            widget = widgets.nth(i)
            kind = widget.get_attribute("data-seqlab-widget")
            where = f"{page}, {kind} {i}"
            if kind == "heatmap-viewer":
                check_heatmap_keys(visit.page, widget, where)
                for control in widget.locator("[data-role=select], [data-role=step]").all():
                    assert accessible_name(control), f"{where}: a control without a name"
                    control.focus()
                    check_outline(visit.page, widget, where)
            elif kind == "curve-explorer":
                control = widget.locator("[data-role=slider], [data-role=select]").first
                text = widget.locator("[data-role=readout]").text_content()
                check_control_keys(visit.page, widget, control, "[data-role=curve]", where)
                assert widget.locator("[data-role=readout]").text_content() != text
                if control.evaluate("e => e.type") == "range":
                    assert (
                        control.get_attribute("aria-valuetext")
                        in widget.locator("[data-role=readout]").text_content()
                    ), f"{where}: the slider's aria-valuetext is not its label"
            elif kind == "panel-explorer":
                control = widget.locator("[data-role=select]")
                check_control_keys(visit.page, widget, control, "[data-role=series]", where)
            elif kind == "self-check":
                check_self_check_keys(visit.page, widget, where)
            else:  # a live widget: a text box, its message line, and its controls
                check_live_keys(visit.page, widget, where)
        assert visit.problems == [], f"{page}:\n" + "\n".join(visit.problems)
    finally:
        visit.close()
