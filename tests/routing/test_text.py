"""Keyword matching: case- and diacritics-insensitive, whole words, multi-word keywords as phrases."""

from routing.text import PhraseIndex, contains, normalise


def test_normalise_folds_case_and_strips_diacritics_into_words():
    assert normalise("  Migrace DAT – Power-BI, Žluťoučký kůň!") == "migrace dat power bi zlutoucky kun"


def test_a_keyword_is_found_whatever_its_case_or_accents():
    assert contains("Potřebujeme MIGRACE do cloudu", "migrace")
    assert contains("migráce", "Migrace")
    assert contains("Hledáme partnera pro účetnictví", "ucetnictvi")


def test_a_multi_word_keyword_matches_as_a_phrase_only():
    assert contains("we need power bi dashboards", "Power BI")
    assert contains("we need Power-BI dashboards", "power bi")
    assert not contains("power users want a BI tool", "Power BI")


def test_matching_is_on_whole_words_without_stemming():
    assert not contains("an Azurenative shop", "Azure")
    assert not contains("datacenter", "data")
    assert not contains("migraci dat", "Migrace")  # documented: no stemming of Czech inflections


def test_phrase_index_finds_every_known_term_once():
    index = PhraseIndex([normalise(term) for term in ("Power BI", "cloud", "SAP", "cloud migration")])
    assert index.find("Cloud migration, then CLOUD costs and power bi.") == {"cloud", "cloud migration", "power bi"}
