"""Accessibility of the built site, checked in headless Chromium like test_site.py.

1. axe-core (pinned in package.json, injected from node_modules) runs its WCAG 2 A and
   AA rules on every page, in the light and in the dark theme. No critical or serious
   violation is allowed; a minor or moderate one only if its rule is in ``ACCEPTED``,
   with the reason it is accepted, so a new kind of problem fails the test. The counts
   per impact and per rule are printed (``pytest -s``) and written to
   ``_build/a11y/axe.json``.
2. Every image has a text alternative that says what it shows (not the file name
   myst-nb would otherwise use), and every inline SVG figure outside a widget has an
   accessible name.

Run by ``make test`` after the book build (``pytest -m site``).
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections import Counter

import pytest

import test_site
from test_site import PAGES, ROOT, SITE, VIEW, QuietHandler, Visit, check_widgets_render

browser = test_site.browser  # the fixture: one Chromium for this module, as test_site's


pytestmark = pytest.mark.site

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
REPORT = ROOT / "_build" / "a11y" / "axe.json"
THEMES = ("light", "dark")
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = ("critical", "serious")
IMPACTS = ("critical", "serious", "moderate", "minor")

# Minor and moderate rules that may remain, each with the reason it is accepted (rule id
# -> why). None remains: before book/_ext/seqlab_book.py wrote the bibliography's entries
# as list items, axe found there 1 critical aria-required-children and 23 minor
# aria-deprecated-role (doc-biblioentry), in both themes.
ACCEPTED: dict[str, str] = {}

# Per page and theme: {"impacts": {impact: nodes}, "rules": {rule: nodes}}, for the report.
RESULTS: dict[str, dict] = {}


@pytest.fixture(scope="module")
def site_url():
    """The built site on 127.0.0.1 (test_site's base_url also clears its screenshots)."""
    assert (SITE / "index.html").is_file(), "no built site: run `make build` first"
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    write_report()


def write_report() -> None:
    if not RESULTS:
        return
    totals = {theme: Counter() for theme in THEMES}
    rules = {theme: Counter() for theme in THEMES}
    for key, result in RESULTS.items():
        theme = key.rsplit(" ", 1)[1]
        totals[theme].update(result["impacts"])
        rules[theme].update(result["rules"])
    summary = {
        theme: {"impacts": dict(totals[theme]), "rules": dict(rules[theme])} for theme in THEMES
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({"summary": summary, "pages": RESULTS}, indent=1) + "\n")
    for theme in THEMES:
        counts = ", ".join(f"{i} {totals[theme][i]}" for i in IMPACTS)
        print(f"\naxe, {theme} theme, {len(PAGES)} pages, nodes per impact: {counts}")
        for rule, n in sorted(rules[theme].items()):
            print(f"  {rule}: {n}")


def run_axe(page) -> list[dict]:
    """axe's violations on the page as it is now, one entry per rule."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (options) => {
            const result = await axe.run(document, options);
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({
                    impact: n.impact, target: n.target.join(' '),
                    html: n.html.slice(0, 200),
                })),
            }));
        }""",
        AXE_OPTIONS,
    )


def set_theme(page, theme: str) -> None:
    page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
    page.wait_for_timeout(300)  # let the theme's colour transitions finish


def describe(violation: dict) -> str:
    nodes = "\n".join(
        f"      {n['impact']}: {n['target']}: {n['html']}" for n in violation["nodes"]
    )
    return f"  {violation['id']} ({violation['impact']}): {violation['help']}\n{nodes}"


@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_no_serious_violation(browser, site_url, page):
    assert AXE.is_file(), f"{AXE} missing: run `npm ci` (or `make env`)"
    visit = Visit(browser, f"{site_url}/{page}")
    failures = []
    try:
        n_views = visit.page.locator(VIEW).count()
        if n_views:
            check_widgets_render(visit.page, n_views)
        for theme in THEMES:
            set_theme(visit.page, theme)
            violations = run_axe(visit.page)
            impacts, rules = Counter(), Counter()
            for v in violations:
                impacts.update(n["impact"] for n in v["nodes"])
                rules[v["id"]] += len(v["nodes"])
            RESULTS[f"{page} {theme}"] = {"impacts": dict(impacts), "rules": dict(rules)}
            print(f"{page} [{theme}]: " + ", ".join(f"{i} {impacts[i]}" for i in IMPACTS))
            for v in violations:
                blocking = v["impact"] in BLOCKING or any(
                    n["impact"] in BLOCKING for n in v["nodes"]
                )
                if blocking or v["id"] not in ACCEPTED:
                    failures.append(f"[{theme}]\n{describe(v)}")
        assert visit.problems == [], f"{page}:\n" + "\n".join(visit.problems)
    finally:
        visit.close()
    assert not failures, f"{page}: axe violations not accepted:\n" + "\n".join(failures)


def test_every_accepted_rule_has_a_reason():
    for rule, reason in ACCEPTED.items():
        assert len(reason.split()) >= 5, f"{rule}: say why it is accepted"


IMAGE_PROBLEMS = """() => {
    const looksLikeAFile = alt => alt.includes('/') || /\\.(png|jpe?g|gif|svg|webp)$/i.test(alt);
    const problems = [];
    for (const img of document.querySelectorAll('img')) {
        const alt = (img.getAttribute('alt') || '').trim();
        if (!alt) problems.push(`no alt: ${img.outerHTML.slice(0, 160)}`);
        else if (looksLikeAFile(alt)) problems.push(`alt is a file name: ${alt}`);
    }
    const nameOf = svg => {
        const label = (svg.getAttribute('aria-label') || '').trim();
        if (label) return label;
        const ids = (svg.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
        const named = ids.map(id => document.getElementById(id)?.textContent.trim() || '');
        if (named.join('')) return named.join(' ');
        const title = [...svg.children].find(c => c.tagName.toLowerCase() === 'title');
        return title ? title.textContent.trim() : '';
    };
    for (const svg of document.querySelectorAll('.bd-article svg')) {
        if (svg.parentElement.closest('svg')) continue;  // part of a larger drawing
        // an icon of a control (copy button, toggle chevron) is named by its control
        if (svg.closest('button, a, summary, [role="button"]')) continue;
        if (svg.closest('.seqlab-widget, .widget-subarea, [aria-hidden="true"]')) continue;
        const where = svg.outerHTML.slice(0, 120);
        if (svg.getAttribute('role') !== 'img') problems.push(`svg without role="img": ${where}`);
        if (!nameOf(svg)) problems.push(`svg without an accessible name: ${where}`);
    }
    return problems;
}"""


@pytest.mark.parametrize("page", PAGES)
def test_figures_say_what_they_show(browser, site_url, page):
    visit = Visit(browser, f"{site_url}/{page}")
    try:
        problems = visit.page.evaluate(IMAGE_PROBLEMS)
    finally:
        visit.close()
    assert problems == [], f"{page}:\n" + "\n".join(problems)


def test_the_alt_text_check_finds_every_figure_a_chapter_drew():
    """test_figure_alt.py decides from a cell's source whether it draws a figure; in the
    executed notebooks of this build (the execution cache: _build/jupyter_execute holds
    no images when a chapter came from the cache), the cells with an image output must
    be exactly those."""
    import importlib.util

    import nbformat
    from jupyter_cache import get_cache

    from test_figure_alt import DRAWS, NOTEBOOKS, alt_text

    spec = importlib.util.spec_from_file_location("seqlab_book", ROOT / "book/_ext/seqlab_book.py")
    seqlab_book = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seqlab_book)
    cache = get_cache(ROOT / "_build" / ".jupyter_cache" / seqlab_book.code_hash(ROOT))
    for path in NOTEBOOKS:
        committed = nbformat.read(path, as_version=4)
        try:
            record = cache.match_cache_notebook(committed)
        except KeyError:
            pytest.fail(f"{path.name} is not in the execution cache: run `make build` first")
        executed = cache.get_cache_bundle(record.pk).nb
        cells = [c for c in committed.cells if c.cell_type == "code"]
        outputs = [c.get("outputs", []) for c in executed.cells if c.cell_type == "code"]
        assert len(cells) == len(outputs), path.name
        for cell, cell_outputs in zip(cells, outputs, strict=True):
            images = any(
                key.startswith("image/") for o in cell_outputs for key in o.get("data", {})
            )
            where = f"{path.name}, cell {cell.id}"
            assert images == bool(DRAWS.search(cell.source)), (
                f"{where}: {'an image output' if images else 'no image output'}, but "
                "test_figure_alt.DRAWS says otherwise"
            )
            assert not images or alt_text(cell), f"{where}: an image without alt text"
