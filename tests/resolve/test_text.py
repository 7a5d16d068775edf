"""Normalisation of names and mentions."""

from bioatlas.resolve.text import MAX_MENTION_CHARS, clean, key, segments, tokens, without_qualifier


def test_key_folds_accents_case_legal_forms_and_abbreviations():
    assert key("GÉNÉTHON SAS") == key("Genethon") == "genethon"
    assert key("Sanofi Winthrop Industrie S.A.") == "sanofi winthrop industrie"
    assert key("Univ. Paris-Saclay") == key("University Paris Saclay")
    assert key("Lonza Ltd") == key("LONZA GmbH") == "lonza"
    assert key("Dept. of Chemistry") == "department of chemistry"


def test_a_name_made_only_of_a_legal_form_and_a_unit_word_stays_itself():
    assert key("DEPT Corporation") == "department corporation"


def test_non_latin_scripts_are_kept_and_cut_into_bigrams():
    assert key("Московский университет") == "московскии университет"
    assert "中国" in tokens(key("中国科学院")) and "科学" in tokens(key("中国科学院"))


def test_segments_and_parts():
    got = segments("Inserm U1234, Hôpital Necker (AP-HP); Institut Pasteur, Paris.")
    assert got == [("Inserm U1234", 0), ("Hôpital Necker", 0), ("AP-HP", 0), ("Institut Pasteur", 1), ("Paris", 1)]
    assert segments("!!! ;;; ,,, ???") == []


def test_clean_removes_control_characters_and_caps_length():
    assert clean("Institut\x00 Pasteur\x1b\u200b") == "Institut  Pasteur"
    assert len(clean("a" * 10_000)) == MAX_MENTION_CHARS
    assert clean(None) == "" and clean(42) == ""


def test_ror_qualifier_is_dropped():
    assert without_qualifier("Sanofi (France)") == "Sanofi"
    assert without_qualifier("Institut Pasteur") == "Institut Pasteur"


def test_acronyms_are_never_expanded_as_abbreviations():
    from bioatlas.resolve.text import acronym_key

    assert key("Uni Bonn") == "university bonn"  # "Uni." is short for university in a name
    assert acronym_key("UNI") == "uni" and acronym_key("MED") == "med"  # but UNI the acronym stays UNI
