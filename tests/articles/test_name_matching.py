"""The one-pass name index finds exactly what one regular expression per name found."""

import pytest

from articles import extraction
from articles.name_matching import LiteralNames, fold

NAMES = {
    "Northwind Traders": "Northwind Traders",
    "Northwind": "Northwind Traders",
    "NWT Holdings": "Northwind Traders",
    "NORTHWIND TRADERS": "Loud Northwind",  # same letters, another company: ties by order
    "Meta": "Meta",  # four letters: case matters
    "acme": "Acme lower",  # lower-case first letter: case matters
    "İstanbul Bank": "Istanbul Bank",  # folds as the regex engine folds it
    "Straße Werke": "Strasse Werke",
    "(RED)": "Red",  # starts with no word character
    "Alias 3 of syn-3": "Three",
    "Alias 3 of syn-30": "Thirty",
    "A-B A-B": "Stutter",  # can overlap itself
    "X": "X Corp",
}

TEXTS = [
    "Northwind Traders agreed to pay; NORTHWIND traders too, and northwind.",
    "Northwind-Traders, Northwind.com, @Northwind, x.Northwind, Northwind. Next",
    "META and Meta and meta; acme and Acme and ACME.",
    "istanbul bank, ISTANBUL BANK, İstanbul Bank and ıstanbul bank",
    "STRASSE WERKE, straße werke, STRAẞE WERKE",
    "Bono's (RED) and (red) and x(RED)",
    "Alias 3 of syn-30 and Alias 3 of syn-3, Alias 3 of syn-3x",
    "A-B A-B A-B A-B",
    "X, X-ray, X.Y, X.",
    "",
]


def regex_matches(names: dict[str, str], text: str) -> list[tuple[str, int, int]]:
    return [
        (value, m.start(), m.end())
        for pattern, value in extraction._compile_names(names)
        for m in pattern.finditer(text)
    ]


@pytest.mark.parametrize("text", TEXTS)
def test_index_finds_what_the_per_name_patterns_find_in_the_same_order(text):
    index = extraction.company_name_index(NAMES)
    found = [(m.value, m.start, m.end) for m in index.find(text)]
    assert found == regex_matches(NAMES, text)


def test_the_texts_exercise_case_boundaries_and_overlaps():
    """Guards the test above: the reference finds ignored-case, exact and boundary cases."""
    everything = [match for text in TEXTS for match in regex_matches(NAMES, text)]
    values = {value for value, _, _ in everything}
    assert {"Northwind Traders", "Loud Northwind", "Meta", "Istanbul Bank", "Red"} <= values
    meta = [m for m in regex_matches(NAMES, "META and Meta and meta") if m[0] == "Meta"]
    assert meta == [("Meta", 9, 13)]


def test_match_at_start_is_pattern_match():
    index = extraction.company_name_index(NAMES)
    assert index.match_at_start("Northwind Spain")
    assert not index.match_at_start("Spain Northwind")
    assert not index.match_at_start("Northwindy")


def test_fold_is_one_character_for_one():
    for text in ["İstanbul", "STRAẞE", "ſtreet", "Kelvin \u212a", "ǅ"]:
        assert len(fold(text)) == len(text)


def test_database_authorities_keep_their_list_order_on_ties():
    index = LiteralNames(
        [("ACM", "First", False), ("ACM", "Second", False), ("Acme Authority", "Third", False)],
        before=r"[\w-]",
        after=r"[\w-]",
    )
    assert [(m.value, m.start) for m in index.find("ACM and Acme Authority, ACME")] == [
        ("First", 0),
        ("Second", 0),
        ("Third", 8),
    ]
