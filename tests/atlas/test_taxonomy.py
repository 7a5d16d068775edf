import pytest

from bioatlas.atlas.taxonomy import NAMES, TaxonomyError, load_taxonomies


def test_every_term_has_both_languages(taxonomies):
    for name in NAMES:
        for term in taxonomies[name].terms.values():
            assert term.label_fr and term.label_en, (name, term.code)


def test_resolve_free_text(taxonomies):
    kinds = taxonomies["kinds"]
    assert kinds.resolve("PME") == "sme"
    assert kinds.resolve("Pôle de compétitivité") == "cluster"
    assert kinds.resolve("CHU") == "hospital"
    assert taxonomies["modalities"].resolve("Anticorps monoclonaux") == "mab"
    assert taxonomies["modalities"].resolve("AAV") == "aav"
    assert taxonomies["value_chain"].resolve("Fill-finish") == "fill_finish"
    assert kinds.resolve("spaceship") is None


def test_hierarchy(taxonomies):
    assert taxonomies["kinds"].descendants("company") == {"company", "startup", "sme", "midcap", "large_group"}
    assert {"aav", "lentiviral"} <= taxonomies["modalities"].descendants("viral_vector")


def test_extensible_without_code(tmp_path):
    (tmp_path / "modalities.csv").write_text(
        "code,parent,label_fr,label_en,synonyms\nphage,,Phagothérapie,Phage therapy,phages\n", encoding="utf-8"
    )
    tax = load_taxonomies(tmp_path)
    assert tax["modalities"].resolve("phages") == "phage"
    assert tax["modalities"].label("phage", "en") == "Phage therapy"
    assert "mab" in tax["modalities"].terms  # shipped terms stay


def test_broken_extra_file_is_named(tmp_path):
    (tmp_path / "kinds.csv").write_text("code,parent,label_fr,label_en\nx,nowhere,X,X\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="unknown parent 'nowhere'"):
        load_taxonomies(tmp_path)
