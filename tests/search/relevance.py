"""Relevance set: French and English questions about the demo atlas (ROR France + the seed
articles' organisations) and the actors a person would expect among the first answers.

Expected actors are real records of the demo, chosen by reading their names and descriptions,
not from the engine's output. Some questions need facts the demo does not hold (no record says
who makes AAV vectors): they stay in the set, and count as misses for full-text. The issue's "CDMO for clinical batches of cell therapy near Lyon"
is not in the set: no demo record is a CDMO near Lyon, so no answer could be called right."""

QUERIES: list[tuple[str, list[str]]] = [
    # names, acronyms, accents, case
    ("genethon", ["Généthon"]),
    ("institut pasteur", ["Institut Pasteur"]),
    ("INSTITUT CURIE", ["Institut Curie"]),
    ("gustave roussy", ["Institut Gustave Roussy"]),
    ("Etablissement francais du sang", ["Établissement Français du Sang"]),
    ("EFS", ["Établissement Français du Sang"]),
    ("AP-HP", ["Assistance Publique – Hôpitaux de Paris"]),
    ("IGBMC", ["Institut de génétique et de biologie moléculaire et cellulaire"]),
    ("CIML", ["Centre d’Immunologie de Marseille-Luminy"]),
    ("medicen", ["Medicen Paris Region"]),
    ("biomerieux", ["bioMérieux"]),
    ("Université Claude Bernard Lyon 1", ["Université Claude Bernard Lyon 1"]),
    ("hopital europeen georges pompidou", ["Hôpital Européen Georges-Pompidou"]),
    # typos and prefixes
    ("sanofy", ["Sanofi"]),
    ("celectis", ["Cellectis"]),
    ("genethn", ["Généthon"]),
    ("institut pasteur de lil", ["Institut Pasteur de Lille"]),
    ("polepharm", ["Polepharma"]),
    # capabilities, descriptions, places (French)
    ("thérapies cellulaires allogéniques", ["Cellectis"]),
    ("thérapie génique Nantes", ["Laboratoire de Thérapie Génique"]),
    ("thérapie cellulaire du diabète", ["Diabète et thérapie cellulaire"]),
    ("immunothérapie des cancers à Villejuif", ["Immunologie anti-tumorale et immunothérapie des cancers",
                                                "Immunologie intégrative des tumeurs et immunothérapie du cancer"]),
    ("immunothérapie Nantes", ["Immunologie et Nouveaux Concepts en Immunothérapie"]),
    ("biothérapie neuromusculaire", ["Handicap neuromusculaire : Physiopathologie, Biothérapie et Pharmacologie appliquées"]),
    ("pôle de compétitivité santé Île-de-France", ["Medicen Paris Region"]),
    ("maladies de l'oreille interne", ["Sensorion"]),
    ("transfusion sanguine", ["Institut National de la Transfusion Sanguine", "Établissement Français du Sang"]),
    ("cluster pharmaceutique Centre-Val de Loire Normandie", ["Polepharma"]),
    ("formation biomédicaments digitalisation", ["Campus Biotech Digital"]),
    ("qui produit des vecteurs AAV en GMP en Île-de-France ?", ["Généthon"]),
    # English
    ("allogeneic cell therapy", ["Cellectis"]),
    ("gene therapy laboratory", ["Laboratoire de Thérapie Génique"]),
    ("cancer research center Lyon", ["Centre de Recherche en Cancérologie de Lyon"]),
    ("brain institute Paris", ["Institut du Cerveau"]),
    ("vaccine research institute", ["Institut de Recherche Vaccinale"]),
    ("stem cells and brain institute near Lyon", ["Institut Cellule Souche et Cerveau"]),
    ("cell biology laboratory near Lyon", ["Laboratoire de Biologie et Modélisation de la Cellule"]),
    ("pasteur institute lille", ["Institut Pasteur de Lille"]),
    ("competitiveness cluster health Paris region", ["Medicen Paris Region"]),
    ("neuromuscular biotherapy", ["Handicap neuromusculaire : Physiopathologie, Biothérapie et Pharmacologie appliquées"]),
    # sector vocabulary and places in the text (issue 13 item 6). No demo record says who makes AAV
    # vectors or is a CDMO: Généthon, the demo's AAV producer, is what a person expects; misses count.
    ("AAV", ["Généthon"]),
    ("CDMO AAV", ["Généthon"]),
    ("Généthon près d'Évry-Courcouronnes", ["Généthon"]),
]

# A place several communes bear: the search answers these candidates (`near` values), no result.
AMBIGUOUS_PLACES: list[tuple[str, set[str]]] = [
    ("près d'Évry", {"89162", "91228"}),  # Evry (Yonne), Évry-Courcouronnes (Essonne)
]
