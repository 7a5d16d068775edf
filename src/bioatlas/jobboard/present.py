"""An offer as the API and the pages show it (labels in the reader's language)."""

from __future__ import annotations

from typing import Any

from bioatlas.jobboard.models import JobOffer

CONTRACT_LABELS = {
    "cdi": {"fr": "CDI", "en": "Permanent (CDI)"},
    "cdd": {"fr": "CDD", "en": "Fixed-term (CDD)"},
    "interim": {"fr": "Intérim", "en": "Temporary agency work"},
    "apprenticeship": {"fr": "Apprentissage", "en": "Apprenticeship"},
    "internship": {"fr": "Stage", "en": "Internship"},
    "thesis": {"fr": "Thèse / CIFRE", "en": "PhD / CIFRE"},
    "postdoc": {"fr": "Post-doctorat", "en": "Post-doc"},
}
EXPERIENCE_LABELS = {
    "any": {"fr": "Tous niveaux", "en": "Any level"},
    "beginner": {"fr": "Débutant accepté", "en": "Beginners welcome"},
    "2_years": {"fr": "2 ans ou plus", "en": "2 years or more"},
    "5_years": {"fr": "5 ans ou plus", "en": "5 years or more"},
}
EDUCATION_LABELS = {
    "any": {"fr": "Non précisé", "en": "Not specified"},
    "cap_bep": {"fr": "CAP / BEP", "en": "CAP / BEP"},
    "bac": {"fr": "Bac", "en": "Baccalauréat"},
    "bac2": {"fr": "Bac+2", "en": "Bac+2"},
    "bac3": {"fr": "Bac+3", "en": "Bac+3 (bachelor)"},
    "bac5": {"fr": "Bac+5", "en": "Bac+5 (master, engineer)"},
    "doctorate": {"fr": "Doctorat", "en": "Doctorate"},
}
ORIGIN_LABELS = {
    "member": {"fr": "Publiée par un membre de l'employeur", "en": "Published by a member of the employer"},
    "france_travail": {"fr": "Importée de France Travail", "en": "Imported from France Travail"},
    "demo": {"fr": "Offre fictive de démonstration (synthétique)", "en": "Fictitious demo offer (synthetic)"},
}


def offer_view(offer: JobOffer, lang: str) -> dict[str, Any]:
    return {
        "id": offer.id, "url": f"/jobboard/offers/{offer.id}", "title": offer.title,
        "employer": {"name": offer.employer_name, "actor_id": offer.actor_id},
        "rome": {"code": offer.rome_code, "label": offer.rome_label, "version": offer.rome_version,
                 "appellation_code": offer.appellation_code, "appellation_label": offer.appellation_label},
        "contract": offer.contract, "contract_label": CONTRACT_LABELS[offer.contract][lang],
        "experience": offer.experience, "experience_label": EXPERIENCE_LABELS[offer.experience][lang],
        "education": offer.education, "education_label": EDUCATION_LABELS[offer.education][lang],
        "skills": list(offer.skills or []), "gmp_environment": offer.gmp_environment,
        "remote_share": offer.remote_share, "salary_min": offer.salary_min, "salary_max": offer.salary_max,
        "start_date": offer.start_date.isoformat() if offer.start_date else None,
        "description_fr": offer.description_fr, "description_en": offer.description_en,
        "apply_url": offer.apply_url, "apply_email": offer.apply_email,
        "expires_on": offer.expires_on.isoformat(), "status": offer.status,
        "origin": offer.origin, "origin_label": ORIGIN_LABELS[offer.origin][lang], "synthetic": offer.synthetic,
        "place": {"commune": offer.commune_name, "departement": offer.departement, "region": offer.region,
                  "latitude": offer.latitude, "longitude": offer.longitude},
        "published_at": offer.created_at.date().isoformat(),
    }
