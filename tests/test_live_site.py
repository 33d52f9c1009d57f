"""The live widgets and the self-checks of the built site, used as a reader uses them,
offline in headless Chromium.

Each live widget keeps, in the page's widget state, torch's answers (``reference``) for
the inputs of its menu, computed at build time from the same weights. The tests type
each of those inputs into the page and compare what the page shows with torch's answer:
the date translator's outputs exactly (chapter 5), the character models' most likely
next characters and their probabilities (chapters 1 and 9), the LSTM's predictions and
gate values (chapter 3). They also type bad input (an empty box, an unknown character,
too long a text) and expect a message in the widget, and answer every chapter's
self-check questions, once wrong and once right, then read the course page's progress.

The time each input took in the page (the widget's ``data-ms``) is printed as a
benchmark, not asserted; the size each live model adds to its page is asserted against
the 1.5 MB budget. Run by ``make test`` after the book build (``pytest -m site``).
"""

from __future__ import annotations

import json
import re
import statistics

import pytest

import test_site as site
from seqlab.selfcheck import CHAPTERS, Number, Pick, chapter_questions

pytestmark = pytest.mark.site
browser, base_url = site.browser, site.base_url  # the fixtures: test_site's

PAGE = {n: p for p in site.PAGES if (m := re.match(r"notebooks/(\d\d)_", p)) for n in [int(m[1])]}
LIVE_PAGES = {  # page -> the live widget kinds it must have
    PAGE.get(1): ["char-models"],
    PAGE.get(3): ["gate-viewer"],
    PAGE.get(5): ["translator"],
    PAGE.get(9): ["char-models"],
}
BUDGET_BYTES = 1_500_000  # what one live model may add to a page
PROB_TOLERANCE = 2e-4  # the page shows probabilities to 4 decimals (data-prob)
BARS = "ls => ls.map(l => [l.dataset.char, +l.dataset.prob])"  # [char, probability]
TIMINGS: dict[str, list[float]] = {}  # widget -> milliseconds per input, for the report
SIZES: dict[str, list[int]] = {}  # page -> bytes each live model adds to it


def widget_states(page: str) -> list[dict]:
    """The state of every seqlab live widget saved in the page's HTML."""
    html = (site.SITE / page).read_text()
    found = re.search(
        r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', html, re.S
    )
    assert found, f"{page}: no widget state in the page"
    models = json.loads(found[1])["state"].values()
    return [m["state"] for m in models if "reference" in m.get("state", {})]


def open_page(browser, base_url, page: str):
    visit = site.Visit(browser, f"{base_url}/{page}")
    site.check_widgets_render(visit.page, visit.page.locator(site.VIEW).count())
    return visit


def timed(widget, kind: str) -> None:
    TIMINGS.setdefault(kind, []).append(
        float(widget.locator("[data-role=message]").get_attribute("data-ms"))
    )


def test_every_live_page_has_its_widgets_within_the_size_budget():
    assert None not in LIVE_PAGES, f"a chapter with a live widget is missing from {site.SITE}"
    for page, kinds in LIVE_PAGES.items():
        html = (site.SITE / page).read_text()
        for kind in kinds:
            # the front end is in the page's widget state, a JSON string: quotes escaped
            assert f'seqlabWidget = \\"{kind}\\"' in html, f"{page}: no {kind} widget"
        states = widget_states(page)
        assert states, f"{page}: no live widget state"
        for state in states:
            exported = (
                [m["exported"] for m in state["models"]] if "models" in state else [state["model"]]
            )
            for model in exported:
                size = sum(len(t["data"]) for t in model["tensors"].values())
                SIZES.setdefault(page, []).append(size)
                assert size <= BUDGET_BYTES, f"{page}: a live model adds {size:,} bytes"


def test_date_translator_writes_what_torch_writes(browser, base_url):
    """At least ten typed dates of different styles give exactly torch's outputs, for
    the model with attention and the one without."""
    page = PAGE[5]
    (state,) = [s for s in widget_states(page) if "examples" in s and "vocab" in s]
    examples = state["examples"]
    assert len(examples) >= 10
    assert len({re.sub(r"\d", "0", e) for e in examples}) >= 8, "too few distinct styles"
    visit = open_page(browser, base_url, page)
    try:
        widget = visit.page.locator('[data-seqlab-widget="translator"]')
        box = widget.locator("[data-role=input]")
        for text in examples:
            box.fill(text)
            for name, expected in state["reference"][text].items():
                out = widget.locator(f'section[data-model="{name}"] [data-role=output]')
                assert out.get_attribute("data-text") == expected, (
                    f"{text!r}, {name}: the page wrote {out.get_attribute('data-text')!r}, "
                    f"torch {expected!r}"
                )
            timed(widget, "date translator (chapter 5), two models")
            grid = widget.locator("section").first.locator("[data-role=grid]")
            answer = state["reference"][text][state["models"][0]["name"]]
            rows = grid.locator("[data-role=cell][data-col='0']").count()
            assert rows == len(answer) + 1, f"{text!r}: one weight row per output and <eos>"
        check_bad_input(widget, "a date", too_long=state["vocab"]["max_len"])
        assert visit.problems == [], "\n".join(visit.problems)
    finally:
        visit.close()


@pytest.mark.parametrize("chapter", [1, 9])
def test_character_models_give_torchs_distribution(browser, base_url, chapter):
    page = PAGE[chapter]
    (state,) = widget_states(page)
    visit = open_page(browser, base_url, page)
    try:
        widget = visit.page.locator('[data-seqlab-widget="char-models"]')
        box = widget.locator("[data-role=input]")
        for text in state["examples"]:
            box.fill(text)
            for name, top in state["reference"][text].items():
                bars = widget.locator(f'section[data-model="{name}"] [data-role=bars] li')
                shown = dict(
                    bars.evaluate_all("ls => ls.map(l => [l.dataset.char, +l.dataset.prob])")
                )
                for char, prob in top:
                    assert char in shown and abs(shown[char] - prob) <= PROB_TOLERANCE, (
                        f"{text!r}, {name}: torch gives {char!r} {prob:.4f}, the page {shown}"
                    )
            timed(widget, f"character models (chapter {chapter}), {len(state['models'])} model(s)")
        check_sampling(widget, state)
        for head in widget.locator("[data-role=head]").all():  # the Transformer's heads
            check_causal_attention(widget, head)
        check_bad_input(widget, "a prompt", too_long=state["vocab"]["max_len"])
        assert visit.problems == [], "\n".join(visit.problems)
    finally:
        visit.close()


def check_sampling(widget, state) -> None:
    """Sample writes sample_length characters of the vocabulary; the same seed repeats
    the text, another seed or temperature changes it."""
    itos = set(state["vocab"]["itos"])
    samples = widget.locator("[data-role=continuation]")

    def sample(seed: str, temperature: str = "1") -> list[str]:
        widget.locator("[data-role=seed]").fill(seed)
        widget.locator("[data-role=temperature]").fill(temperature)
        widget.locator("button[data-role=sample]").click()
        return samples.evaluate_all("ss => ss.map(s => s.dataset.text)")

    first = sample("1")
    assert len(first) == len(state["models"]), "not one continuation per model"
    assert all(len(t) == state["sample_length"] and set(t) <= itos for t in first), first
    assert sample("1") == first, "the same seed gave another text"
    assert sample("2") != first and sample("1", "0.3") != first
    before = widget.locator("[data-role=bars]").first.inner_text()
    widget.locator("[data-role=temperature]").fill("2")
    assert widget.locator("[data-role=bars]").first.inner_text() != before, "T changed no bar"
    widget.locator("[data-role=temperature]").fill("1")


def check_causal_attention(widget, head) -> None:
    """Each head's weights: row t has weights for keys 0 … t only, and sums to one."""
    options = head.locator("option").evaluate_all("os => os.map(o => o.value)")
    for value in options:
        head.select_option(value)
        rows = widget.locator("[data-role=figure] [data-role=grid]").evaluate(
            """g => { const rows = {};
                for (const c of g.querySelectorAll('[data-role=cell]')) {
                  rows[c.dataset.row] = rows[c.dataset.row] || [];
                  rows[c.dataset.row][+c.dataset.col] = +c.dataset.value;
                }
                return Object.values(rows); }"""
        )
        for t, row in enumerate(rows):  # query t has weights for keys 0 … t only
            assert len(row) == t + 1, f"head {value}: row {t} has {len(row)} weights"
            assert abs(sum(row) - 1) < 2e-3, f"head {value}, row {t} sums to {sum(row)}"


def test_lstm_gates_are_torchs(browser, base_url):
    page = PAGE[3]
    (state,) = widget_states(page)
    visit = open_page(browser, base_url, page)
    try:
        widget = visit.page.locator('[data-seqlab-widget="gate-viewer"]')
        assert widget.locator("[data-role=gate]").input_value() == state["gate"]
        for text in state["examples"]:
            widget.locator("[data-role=input]").fill(text)
            expected = state["reference"][text]
            out = widget.locator("[data-role=output]").get_attribute("data-text")
            assert out == expected["predictions"], f"{text!r}: {out!r} != torch's"
            values = widget.locator("[data-role=cell]").evaluate_all(
                "cs => cs.map(c => [+c.dataset.row, +c.dataset.col, +c.dataset.value])"
            )
            for unit, step, value in values:
                assert abs(value - expected["values"][unit][step]) <= 1e-4, (unit, step)
            assert len(values) == len(expected["values"]) * len(text)
            timed(widget, "LSTM gates (chapter 3)")
        before = widget.locator("[data-role=grid]").inner_html()
        widget.locator("[data-role=gate]").select_option("input")
        assert widget.locator("[data-role=grid]").inner_html() != before
        check_bad_input(widget, "an input", too_long=state["vocab"]["max_len"])
        assert visit.problems == [], "\n".join(visit.problems)
    finally:
        visit.close()


def check_bad_input(widget, what: str, too_long: int) -> None:
    """An empty box, an unknown character and too long a text each get a message in the
    widget that names the problem (and no page error: the caller checks Visit.problems)."""
    box, message = widget.locator("[data-role=input]"), widget.locator("[data-role=message]")
    for text, says in (
        ("", "empty"),
        ("ž", "U+017E"),
        ("1" * (too_long + 1), f"at most {too_long}"),
    ):
        box.fill(text)
        assert message.get_attribute("data-kind") == "error", f"{what} {text!r}: no message"
        assert says in message.text_content(), f"{what} {text!r}: {message.text_content()!r}"


def wrong_answer(question) -> str | int:
    if isinstance(question, Pick):
        return (question.answer + 1) % len(question.choices)
    return repr(question.answer + 10 * question.tolerance + 1)


def answer(fieldset, question, value) -> str:
    """Answer one question in the page; returns the feedback's verdict."""
    if isinstance(question, Pick):
        fieldset.locator("[data-role=choice]").nth(value).check()
    else:
        fieldset.locator("[data-role=number]").fill(str(value))
    fieldset.locator("[data-role=check]").click()
    return fieldset.locator("[data-role=feedback]").get_attribute("data-result")


def test_every_chapter_checks_answers_and_the_course_page_remembers(browser, base_url):
    """On every chapter's page, each question marks a wrong answer wrong and the right
    one right, with the explanation written for it; the course page then lists every
    chapter as checked, in the same browser, and a reload shows the answers again."""
    visit = site.Visit(browser, f"{base_url}/{PAGE[0]}")
    try:
        for chapter in CHAPTERS:
            _, questions = chapter_questions(chapter)
            visit.page.goto(f"{base_url}/{PAGE[chapter]}", wait_until="load")
            widget = visit.page.locator('[data-seqlab-widget="self-check"]')
            widget.wait_for(timeout=15_000)
            boxes = widget.locator("[data-role=question]")
            assert boxes.count() == len(questions), f"chapter {chapter}"
            for k, question in enumerate(questions):
                box, where = boxes.nth(k), f"chapter {chapter}, question {k + 1}"
                feedback = box.locator("[data-role=feedback]")
                if isinstance(question, Number):
                    box.locator("[data-role=number]").fill("two")
                    box.locator("[data-role=check]").click()
                    assert feedback.get_attribute("data-result") == "invalid", where
                wrong = wrong_answer(question)
                assert answer(box, question, wrong) == "wrong", where
                why = question.choices[wrong].why if isinstance(question, Pick) else question.wrong
                assert why[:40].replace("`", "") in feedback.text_content(), where
                right = question.answer
                assert answer(box, question, right) == "right", where
                why = question.choices[right].why if isinstance(question, Pick) else question.right
                assert why[:40].replace("`", "") in feedback.text_content(), where
            summary = widget.locator("[data-role=summary]").text_content()
            assert f"{len(questions)} of {len(questions)}" in summary, summary
        visit.page.reload(wait_until="load")  # the last chapter, answered, read back
        widget = visit.page.locator('[data-seqlab-widget="self-check"]')
        widget.wait_for(timeout=15_000)
        results = widget.locator("[data-role=feedback]").evaluate_all(
            "fs => fs.map(f => f.dataset.result)"
        )
        assert results == ["right"] * len(results), results
        visit.page.goto(f"{base_url}/book/course.html", wait_until="load")
        status = visit.page.locator("#seqlab-progress tbody tr").evaluate_all(
            "rs => rs.map(r => [r.dataset.chapter, r.querySelector('td + td').textContent])"
        )
        assert [c for c, _ in status] == [str(c) for c in CHAPTERS]
        for chapter, text in status:
            n = len(chapter_questions(int(chapter))[1])
            assert text == f"all {n} right", f"chapter {chapter}: {text!r}"
        visit.page.locator("#seqlab-progress-reset").click()
        assert visit.page.locator("#seqlab-progress [data-role=status]").first.text_content() == (
            "not yet"
        )
        assert visit.problems == [], "\n".join(visit.problems)
    finally:
        visit.close()


def test_zz_latency_report(capsys):
    """The benchmark: milliseconds per input in the page (printed, not asserted)."""
    if not TIMINGS:
        pytest.skip("no live widget was timed")
    with capsys.disabled():
        print("\nbytes each live model adds to its page (budget 1.5 MB):")
        for page, sizes in SIZES.items():
            print(f"  {page}: " + ", ".join(f"{b / 1e6:.2f} MB" for b in sizes))
        print("\nlive widgets, milliseconds per input in headless Chromium (median, max):")
        for kind, values in TIMINGS.items():
            print(
                f"  {kind}: {statistics.median(values):.1f}, {max(values):.1f} "
                f"over {len(values)} inputs"
            )
