"""POST /api/v1/imports/actors: token, size limit, bad files, all-or-nothing."""

from sqlalchemy import func, select

from bioatlas.atlas.models import Actor

GOOD = "Nom;Type;Code postal;Ville\nGenopole;Cluster;91000;Évry-Courcouronnes\nRégion Bourgogne-Franche-Comté;Collectivité;21000;Dijon\n"
BAD = GOOD + "Région Île-de-France;Collectivité;99999;Nulle-Part\n"


def _post(client, content: bytes, name="acteurs.csv", token="t" * 32, **params):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.post("/api/v1/imports/actors", files={"file": (name, content, "text/csv")}, headers=headers, params=params)


def _count(db):
    with db() as s:
        return s.scalar(select(func.count()).select_from(Actor))


def test_requires_the_admin_token(client, db):
    assert _post(client, GOOD.encode(), token=None).status_code == 401
    assert _post(client, GOOD.encode(), token="wrong").status_code == 401
    assert _count(db) == 0


def test_disabled_without_a_configured_token(settings, db):
    from fastapi.testclient import TestClient

    from bioatlas.app import create_app

    app = create_app(settings.model_copy(update={"admin_token": ""}))
    with TestClient(app) as c:
        assert _post(c, GOOD.encode()).status_code == 403


def test_imports_and_reimports(client, db):
    r = _post(client, GOOD.encode())
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["committed"]) == (2, True)
    again = _post(client, GOOD.encode()).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert _count(db) == 2


def test_bad_row_rejects_whole_file_with_line_and_column(client, db):
    r = _post(client, BAD.encode())
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert errors[0]["line"] == 4 and errors[0]["column"] in ("Code postal", "Ville")
    assert "99999" in errors[0]["reason"]
    assert _count(db) == 0


def test_oversized_upload_is_413(client, db, settings):
    big = GOOD.encode() + b"x" * (settings.max_upload_bytes + 1)
    r = _post(client, big)
    assert r.status_code == 413 and "too large" in r.json()["detail"]
    assert _count(db) == 0


def test_unreadable_files_are_422_not_500(client, db):
    assert _post(client, b"PK\x03\x04 truncated", name="acteurs.xlsx").status_code == 422
    assert _post(client, b"", name="vide.csv").status_code == 422
    assert _post(client, "Nom;Ville\nGénéthon;Évry\n".encode("cp1252")).status_code == 422
    assert _post(client, b"<html>", name="page.html").status_code == 422
    assert _count(db) == 0


def test_rejected_cells_are_said_in_the_reader_language(client, db):
    """Each rejected cell keeps its English `reason` (and line, column, value) and adds `message`:
    the reason in the reader's language with its line and column (was English only). A bad token's
    401 is the policy's refusal, said in the reader's language too."""
    rows = "Nom;Type;Code postal;Ville;SIREN\nGenopole;Cluster;91000;Évry-Courcouronnes;123\n"
    said = {}
    for lang in ("fr", "en"):
        r = _post(client, rows.encode(), lang=lang)
        assert r.status_code == 422, r.text
        (error,) = r.json()["errors"]
        assert (error["line"], error["column"], error["value"], error["reason"]) == (2, "SIREN", "123", "a SIREN has 9 digits")
        said[lang] = error["message"]
    assert said == {"fr": "ligne 2, colonne 'SIREN'\u202f: un SIREN a 9 chiffres",
                    "en": "line 2, column 'SIREN': a SIREN has 9 digits"}
    unknown = rows + "Yposkesi;Licorne;91000;Évry-Courcouronnes;\n"
    fr, en = (_post(client, unknown.encode(), lang=lang).json()["errors"][1] for lang in ("fr", "en"))
    assert fr["reason"] == en["reason"] and en["reason"].startswith("unknown value 'Licorne'; accepted: ")
    assert en["message"] == "line 3, column 'Type': " + en["reason"]
    assert fr["message"].startswith("ligne 3, colonne 'Type'\u202f: valeur inconnue\u202f: 'Licorne'\u202f; acceptées\u202f: "), fr
    twice = GOOD + "Genopole;Cluster;91000;Évry-Courcouronnes\n"  # a row again: a duplicate of line 2
    fr, en = (_post(client, twice.encode(), lang=lang).json()["errors"][0] for lang in ("fr", "en"))
    assert fr["reason"] == en["reason"] == "duplicate of line 2 (same name and postcode)", en
    assert (fr["message"], en["message"]) == ("ligne 4, colonne 'Nom'\u202f: doublon de la ligne 2 (même nom et même code postal)",
                                              "line 4, column 'Nom': duplicate of line 2 (same name and postcode)")
    assert _count(db) == 0
    for lang, start in (("fr", "connexion requise"), ("en", "authentication required")):
        r = _post(client, rows.encode(), token="wrong", lang=lang)
        assert r.status_code == 401 and r.json()["message"].startswith(start), r.json()


def test_a_file_refused_is_said_in_the_reader_language(client, db):
    """A file that cannot be read (a row wider than its header, an empty file): `detail` the English
    text as before, `field` and `message` (with the file's name and line) in the reader's language."""
    wide = "Nom;Type\nGenopole;Cluster;91000\n"
    asks = [(wide, "acteurs.csv, line 2: this row has 3 cells but the header (line 1) names 2 columns",
             "acteurs.csv, ligne 2\u202f: cette ligne a 3 cellules mais l'en-tête (ligne 1) nomme 2 colonnes",
             "acteurs.csv, line 2: this row has 3 cells but the header (line 1) names 2 columns"),
            ("\n\n", "acteurs.csv: empty file", "acteurs.csv\u202f: fichier vide", "acteurs.csv: empty file")]
    latin = "Nom;Type\nSociété;Cluster\n".encode("latin-1")  # a spreadsheet saved in Latin-1: the common mistake
    english = ("acteurs.csv, line 2: not valid UTF-8 text: byte 0xe9 at position 5 (file offset 13); "
               "if Excel on Windows saved it, try --encoding cp1252")
    asks.append((latin, english, "acteurs.csv, ligne 2\u202f: texte UTF-8 non valide\u202f: octet 0xe9 en position 5 (décalage 13 "
                 "dans le fichier)\u202f; si Excel sous Windows l'a enregistré, essayez --encoding cp1252", english))
    for content, detail, french, english in asks:
        for lang, text in (("fr", french), ("en", english)):
            r = _post(client, content if isinstance(content, bytes) else content.encode(), lang=lang)
            assert r.status_code == 422 and r.json() == {"detail": detail, "field": "file", "message": text}, r.json()
    assert _count(db) == 0


def test_every_file_refusal_and_the_writer_refusal_are_said_in_the_reader_language(client, db):
    """A malformed CSV, a cell too long, a corrupt XLSX, no name column, a wrong type (were English
    only: no `message`) and a name matching two actors (the writer's MatchError): `detail` or
    `reason` English as before, `message` in the reader's language, figures in its style."""
    asks = [
        ('Nom;Type\n"Genopole;Cluster\n', "acteurs.csv", "acteurs.csv, ligne 2\u202f: CSV mal formé (",
         "; vérifiez les guillemets de cette ligne"),
        ("Nom;Type\n" + "x" * 32_768 + ";Cluster\n", "acteurs.csv",
         "acteurs.csv, ligne 2\u202f: colonne 1\u202f: une cellule de 32\u202f768 caractères (au plus 32\u202f767)", ""),
        ("PK\x03\x04 truncated", "acteurs.xlsx", "acteurs.xlsx\u202f: fichier XLSX illisible, corrompu ou tronqué (", ")"),
        ("Ville;Code postal\nÉvry;91000\n", "acteurs.csv", "acteurs.csv, ligne 1\u202f: aucune colonne pour le nom de l'acteur",
         "en-têtes trouvés\u202f: 'Ville', 'Code postal'"),
    ]
    for content, name, start, end in asks:
        fr, en = (_post(client, content.encode(), name=name, lang=lang) for lang in ("fr", "en"))
        assert fr.status_code == en.status_code == 422, fr.text
        assert fr.json()["detail"] == en.json()["detail"] == en.json()["message"], en.json()
        assert fr.json()["field"] == "file" and fr.json()["message"].startswith(start), fr.json()
        assert fr.json()["message"].endswith(end), fr.json()
    assert en.json()["detail"].startswith("acteurs.csv, line 1: no column for the actor's name")
    with db() as s:
        from bioatlas.atlas.records import ActorRecord, SourceRecord
        from bioatlas.atlas.writer import get_or_create_source, upsert_actor

        src = get_or_create_source(s, SourceRecord(key="t:ror", title="ror", kind="open_data"))
        for ror in ("https://ror.org/03hf69k85", "https://ror.org/0380k9k47"):
            upsert_actor(s, ActorRecord(name="Homonyme", identifiers={"ror": [ror]}), source=src,
                         match_by_name=False, schemes=("ror",))
        s.commit()
    fr, en = (_post(client, "Nom;Type\nHomonyme;Cluster\n".encode(), lang=lang).json()["errors"][0] for lang in ("fr", "en"))
    assert fr["reason"] == en["reason"] and en["reason"].startswith("name 'Homonyme' matches several actors ("), en
    assert en["message"] == "line 2, column 'Nom': " + en["reason"]
    assert fr["message"].startswith("ligne 2, colonne 'Nom'\u202f: le nom 'Homonyme' correspond à plusieurs acteurs ("), fr
    assert _count(db) == 2


def test_the_warnings_are_said_in_the_reader_language(client, db):
    """`warnings` stay English (the CLI's words); `warning_messages` says each, in order, in the
    reader's language (was English only): an unknown column, a file without a location column, a
    column without a name."""
    rows = "Nom;Type;;Remarques\nGenopole;Cluster;x;interne\n"
    fr, en = (_post(client, rows.encode(), lang=lang, dry_run="true").json() for lang in ("fr", "en"))
    assert fr["warnings"] == en["warnings"] == en["warning_messages"] == [
        "column 'Remarques' is not a known field; its values are ignored",
        "no location column (postcode, commune, INSEE code, coordinates): no site is recorded",
        "line 2: column 3 has no name in the header; its values are ignored"], en
    assert fr["warning_messages"] == [
        "la colonne 'Remarques' n'est pas un champ connu\u202f; ses valeurs sont ignorées",
        "aucune colonne de localisation (code postal, commune, code INSEE, coordonnées)\u202f: aucun site n'est enregistré",
        "ligne 2\u202f: la colonne 3 n'a pas de nom dans l'en-tête\u202f; ses valeurs sont ignorées"], fr
