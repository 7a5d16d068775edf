"""An offer as schema.org `JobPosting` JSON-LD (for search engines)."""

from __future__ import annotations

from typing import Any

from bioatlas.jobboard.models import JobOffer

EMPLOYMENT_TYPES = {"cdi": "FULL_TIME", "cdd": "TEMPORARY", "interim": "TEMPORARY", "apprenticeship": "INTERN",
                    "internship": "INTERN", "thesis": "FULL_TIME", "postdoc": "TEMPORARY"}


def job_posting(offer: JobOffer, *, base_url: str, lang: str = "fr") -> dict[str, Any]:
    """The offer as schema.org JobPosting (JSON-LD), with Google's required properties (title,
    description, datePosted, hiringOrganization, jobLocation, validThrough) and the ROME code as
    occupationalCategory."""
    description = (offer.description_en or offer.description_fr) if lang == "en" else (
        offer.description_fr or offer.description_en)
    doc: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": offer.title,
        "description": description,
        "identifier": {"@type": "PropertyValue", "name": "Bioprod Atlas", "value": str(offer.id)},
        "datePosted": offer.created_at.date().isoformat(),
        "validThrough": f"{offer.expires_on.isoformat()}T23:59:59",
        "employmentType": EMPLOYMENT_TYPES[offer.contract],
        "occupationalCategory": f"{offer.rome_code} {offer.rome_label}".strip(),
        "hiringOrganization": {"@type": "Organization", "name": offer.employer_name,
                               **({"sameAs": f"{base_url}/actors/{offer.actor_id}"} if offer.actor_id else {})},
        "jobLocation": {"@type": "Place", "address": {
            "@type": "PostalAddress", "addressLocality": offer.commune_name or "",
            "addressRegion": offer.region or "", "addressCountry": "FR"}},
        "url": f"{base_url}/jobboard/offers/{offer.id}",
        "directApply": False,
    }
    if offer.latitude is not None and offer.longitude is not None:
        doc["jobLocation"]["geo"] = {"@type": "GeoCoordinates", "latitude": offer.latitude,
                                     "longitude": offer.longitude}
    if offer.remote_share >= 100:
        doc["jobLocationType"] = "TELECOMMUTE"
        doc["applicantLocationRequirements"] = {"@type": "Country", "name": "FR"}
    if offer.salary_min is not None or offer.salary_max is not None:
        value: dict[str, Any] = {"@type": "QuantitativeValue", "unitText": "YEAR"}
        if offer.salary_min is not None:
            value["minValue"] = offer.salary_min
        if offer.salary_max is not None:
            value["maxValue"] = offer.salary_max
        doc["baseSalary"] = {"@type": "MonetaryAmount", "currency": "EUR", "value": value}
    if offer.skills:
        doc["skills"] = ", ".join(offer.skills)
    if offer.start_date:
        doc["jobStartDate"] = offer.start_date.isoformat()
    return doc
