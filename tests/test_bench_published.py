"""seqlab.bench.published: every section of the claim ledger has published results
beside it, each entry has exactly the fields the book's tables read, a bearing from the
allowed set, an https address and a one-sentence finding, and an unknown section is an
error that names the known ones."""

import re

import pytest

from seqlab.bench import ledger
from seqlab.bench import published as P

# every claim of the ledger, and the per-position loss that claim 2 adds
SECTIONS = [claim[4] for claim in ledger.CLAIMS] + ["claim-context"]
KEYS = {"source", "title", "url", "where", "scale", "finding", "bearing", "checked"}
BEARINGS = {"supports", "contradicts", "mixed", "not tested"}
MAX_WORDS = 40


def entries():
    return [(section, e) for section in SECTIONS for e in P.published(section)]


def test_every_section_has_at_least_one_entry():
    assert set(P.SECTIONS) == set(SECTIONS)
    for section in SECTIONS:
        assert P.published(section), f"{section} has no published entry"


def test_the_ledger_sections_are_all_known():
    assert {section for *_, section in ledger.CLAIMS} <= set(P.SECTIONS)


def test_published_holds_only_known_sections():
    assert set(P.PUBLISHED) <= set(SECTIONS)


def test_every_entry_has_exactly_the_fields():
    for section, e in entries():
        assert set(e) == KEYS, f"{section}: {e.get('source')} has {sorted(e)}"
        for key in KEYS:
            assert isinstance(e[key], str) and e[key].strip(), f"{section}: empty {key}"


def test_bearings_are_from_the_allowed_set():
    assert set(P.BEARINGS) == BEARINGS
    for section, e in entries():
        assert e["bearing"] in BEARINGS, f"{section}: {e['source']} bearing {e['bearing']!r}"


def test_addresses_are_https():
    for section, e in entries():
        assert e["url"].startswith("https://"), f"{section}: {e['url']}"


def test_where_names_a_figure_a_table_or_the_abstract():
    for section, e in entries():
        assert re.match(r"(Fig\. \d+|Table \d+|Abstract)", e["where"]), (section, e["where"])


def test_findings_are_one_sentence_of_at_most_40_words():
    for section, e in entries():
        finding = e["finding"]
        assert finding.endswith("."), f"{section}: {finding!r}"
        assert len(finding.split()) <= MAX_WORDS, f"{section}: {len(finding.split())} words"
        # a full stop, question or exclamation mark followed by a capital inside the text
        # starts a second sentence
        assert not re.search(r"[.!?]\s+[A-Z]", finding[:-1]), f"{section}: {finding!r}"


def test_no_finding_appears_twice():
    findings = [e["finding"] for _, e in entries()]
    assert len(findings) == len(set(findings))


def test_published_returns_a_copy():
    first = P.published("claim-scaling")
    first.clear()
    assert P.published("claim-scaling")


def test_a_known_section_without_entries_gives_an_empty_list(monkeypatch):
    monkeypatch.delitem(P.PUBLISHED, "claim-context")
    assert P.published("claim-context") == []


def test_an_unknown_section_names_the_known_ones():
    with pytest.raises(ValueError) as raised:
        P.published("nope")
    message = str(raised.value)
    assert "nope" in message
    for section in SECTIONS:
        assert section in message
