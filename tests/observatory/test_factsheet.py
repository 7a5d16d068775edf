"""The regional factsheet: printable HTML in French and English, and the PDF rendered by WeasyPrint,
checked by rendering it to PNG with pdftoppm (non-blank, with the map's colours) and reading its text
with pdftotext. The PNGs of Île-de-France are kept in artifacts/screenshots/."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from PIL import Image

from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.observatory.factsheet import KIND_COLOURS
from tests.atlas.ecosystem import site

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def test_factsheet_html_in_french_and_english(obs_client, eco, loaded):
    r = obs_client.get("/observatory/regions/11/factsheet?lang=fr")
    assert r.status_code == 200
    assert "Fiche régionale" in r.text and "Chiffres clés" in r.text and "Île-de-France" in r.text
    svg = r.text.split('<svg class="region-map"', 1)[1].split("</svg>", 1)[0]
    assert svg.count("<circle") == 2  # Genopole (Évry) and the Région (Saint-Ouen): the located sites
    assert f'fill="{KIND_COLOURS["cluster"]}"' in svg
    contacts = r.text.split('class="fs-contacts"', 1)[1]
    assert "Genopole" in contacts and "Région Île-de-France" in contacts
    assert "40\u202f%" in r.text and "Assises" in r.text  # the figure recorded for the region, with its article
    assert "@media print" in (ROOT / "src/bioatlas/web/static/css/observatory.css").read_text()
    en = obs_client.get("/observatory/regions/11/factsheet?lang=en").text
    assert "Regional factsheet" in en and "Key figures" in en and "Strengths" in en
    assert obs_client.get("/observatory/regions/99/factsheet").status_code == 404


def test_factsheet_escapes_names_in_the_map(obs_client, session, eco):
    src = get_or_create_source(session, SourceRecord(key="test:escape", title="test", kind="file"))
    upsert_actor(session, ActorRecord(name="Lab <b>&</b>", kind="company", sites=[site("75013")]), source=src)
    session.commit()
    text = obs_client.get("/observatory/regions/11/factsheet").text
    assert "<title>Lab &lt;b&gt;&amp;&lt;/b&gt;</title>" in text and "<b>&</b>" not in text


def _render(pdf: bytes, tmp_path: Path, name: str) -> tuple[Image.Image, str]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / name)], check=True, timeout=120)
    pages = [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob(f"{name}-*.png"))]
    assert pages, "pdftoppm produced no page"
    sheet = Image.new("RGB", (max(p.width for p in pages), sum(p.height for p in pages)), "white")
    y = 0
    for p in pages:
        sheet.paste(p, (0, y))
        y += p.height
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True,
                          timeout=120).stdout
    return sheet, text


def _colours(image: Image.Image) -> list[tuple[int, tuple[int, int, int]]]:
    return image.getcolors(maxcolors=image.width * image.height)


def _non_white(image: Image.Image) -> int:
    return sum(n for n, px in _colours(image) if px != (255, 255, 255))


def _has_colour(image: Image.Image, hex_colour: str, tolerance: int = 40) -> bool:
    target = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return any(all(abs(a - b) <= tolerance for a, b in zip(px, target)) for _, px in _colours(image))


def test_factsheet_pdf_renders_in_both_languages(obs_client, eco, loaded, tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for lang, words in (("fr", ("Chiffres clés", "Carte des acteurs", "Atouts", "Contacts")),
                        ("en", ("Key figures", "Map of the actors", "Strengths", "Contacts"))):
        r = obs_client.get(f"/observatory/regions/11/factsheet.pdf?lang={lang}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert r.content.startswith(b"%PDF")
        image, text = _render(r.content, tmp_path, f"idf-{lang}")
        assert "Île-de-France" in text and "Genopole" in text
        for word in words:
            assert word in text, (lang, word)
        assert _non_white(image) > 5000  # text, outline and dots, not a blank page
        assert _has_colour(image, "#eef3f7", tolerance=6)  # the region's fill: the map is drawn
        image.save(SCREENSHOTS / f"factsheet-idf-{lang}.png")


def test_factsheet_pdf_for_a_region_without_actors(obs_client, eco, tmp_path):
    r = obs_client.get("/observatory/regions/94/factsheet.pdf")
    assert r.status_code == 200
    image, text = _render(r.content, tmp_path, "corse")
    assert _non_white(image) > 1000  # a page with the title and the empty state, not blank
    assert "Corse" in text and "Aucun acteur actif" in " ".join(text.split())
    assert "Chiffres clés" not in text and "Carte des acteurs" not in text  # no number, no map
    assert obs_client.get("/observatory/regions/99/factsheet.pdf").status_code == 404


def test_factsheet_pdf_without_pango_is_a_clear_503(obs_client, eco, monkeypatch):
    """`make run` does not install system packages: without Pango the PDF is refused with the
    command that installs it, never a server error."""
    import builtins

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0' (simulated)")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    r = obs_client.get("/observatory/regions/11/factsheet.pdf", params={"lang": "fr"})
    assert r.status_code == 503
    assert "install-system-deps.sh" in r.json()["detail"]  # the operator's English, unchanged
    assert r.json()["message"].startswith("Le PDF ne peut pas être produit sur ce serveur"), r.json()  # was none
    page = obs_client.get("/observatory/regions/11/factsheet.pdf", params={"lang": "fr"}, headers={"accept": "text/html"})
    assert page.status_code == 503 and "Le PDF ne peut pas" in page.text and "Pango" not in page.text


def test_factsheet_pdf_fits_on_two_full_pages(obs_client, session, eco, loaded, tmp_path):
    """A busy region (the most notable actors and contacts the sheet lists, modalities, steps): the
    PDF is at most two A4 pages (it was three, the first and second half empty: sections that
    could not break were pushed to the next page) and every page but the last is full
    (pages counted with pdfinfo, how far down each page the text goes with pdftotext -bbox)."""
    src = get_or_create_source(session, SourceRecord(key="test:busy", title="test", kind="file"))
    for i in range(10):
        upsert_actor(session, ActorRecord(name=f"CDMO test {i} (synthétique)", kind="cdmo", gmp="gmp_clinical",
                                          scale_litres=200.0 * (i + 1), sites=[site("91000")],
                                          identifiers={"website": [f"https://cdmo-{i}.example.org"]},
                                          capabilities={"modalities": ["aav", "mab"], "value_chain": ["upstream"]}),
                     source=src)
    for i in range(12):
        upsert_actor(session, ActorRecord(name=f"Cluster test {i} (synthétique)", kind="cluster", sites=[site("75013")],
                                          identifiers={"website": [f"https://cluster-{i}.example.org"]}), source=src)
    session.commit()
    for lang in ("fr", "en"):
        r = obs_client.get(f"/observatory/regions/11/factsheet.pdf?lang={lang}")
        assert r.status_code == 200
        path = tmp_path / f"busy-{lang}.pdf"
        path.write_bytes(r.content)
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True, timeout=60).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
        boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True,
                               timeout=60).stdout
        # how far down each page its text goes (share of the page's height)
        filled = [round(max(float(y) for y in re.findall(r'<word [^>]*yMax="([\d.]+)"', page)) / float(height), 2)
                  for height, page in re.findall(r'<page [^>]*height="([\d.]+)">(.*?)</page>', boxes, re.S)]
        print(f"factsheet {lang}: {pages} pages, text down to {filled} of each page's height")
        assert pages <= 2, (lang, pages, filled)
        assert all(share >= 0.8 for share in filled[:-1]), (lang, filled)  # no page but the last cut short
