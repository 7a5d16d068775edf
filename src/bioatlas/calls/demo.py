"""The demo's calls: a "deeptech challenge" (synthetic call, synthetic applicant organisations
clearly labelled, never real actors put in words they did not say), a reviewer with a conflict of
interest excluded automatically, laureates published; two structuring projects with milestones on
the Île-de-France roadmap (synthetic demonstration projects whose partners are real atlas actors,
each text saying "projet fictif de démonstration")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.accounts import service as accounts
from bioatlas.atlas import service as atlas
from bioatlas.calls import service
from bioatlas.calls.models import Call

LABEL = "appel fictif de démonstration"
SOURCE = atlas.SourceRecord(key="demo:calls-synthetic", kind="synthetic",
                            title="Organisations fictives de démonstration (défi deeptech, portefeuille de projets)")
INCUBATOR = "Incubateur fictif de démonstration"
STARTUPS = [("Start-up fictive de démonstration 1", "91000", True), ("Start-up fictive de démonstration 2", "75013", True),
            ("Start-up fictive de démonstration 3", "94800", False), ("Start-up fictive de démonstration 4", "78000", False)]
FORM = {"fields": [
    {"name": "project_title", "label_fr": "Titre du projet", "label_en": "Project title", "type": "text",
     "required": True, "max_length": 200},
    {"name": "summary", "label_fr": "Résumé", "label_en": "Summary", "type": "textarea", "required": True,
     "max_length": 3000},
    {"name": "founded_year", "label_fr": "Année de création", "label_en": "Year founded", "type": "number",
     "required": True, "min": 1900, "max": 2100},
    {"name": "modality", "label_fr": "Modalité", "label_en": "Modality", "type": "choice", "required": True,
     "choices": ["viral_vector", "cell_therapy", "mab", "nucleic_acid"]},
    {"name": "pitch_deck", "label_fr": "Présentation (PDF)", "label_en": "Pitch deck (PDF)", "type": "file",
     "accept": ["application/pdf"], "max_bytes": 2_000_000},
]}
CRITERIA = [
    {"code": "excellence", "label_fr": "Excellence et innovation", "label_en": "Excellence and innovation",
     "weight": 1, "scale_min": 0, "scale_max": 5, "threshold": 3},
    {"code": "impact", "label_fr": "Impact pour la filière", "label_en": "Impact on the sector", "weight": 1,
     "scale_min": 0, "scale_max": 5, "threshold": 3},
    {"code": "execution", "label_fr": "Qualité et efficacité de la mise en œuvre",
     "label_en": "Quality and efficiency of the implementation", "weight": 1, "scale_min": 0, "scale_max": 5,
     "threshold": 3},
]
SCORES = {0: (4.5, 4, 4), 1: (4, 4.5, 3.5), 2: (3, 2.5, 3), 3: (2.5, 3, 2)}


def _actor(session: Session, name: str, postcode: str, kind: str, relations: list[tuple[str, int]] | None = None) -> int:
    place = atlas.gazetteer().geocode(postcode=postcode)
    site = atlas.SiteRecord(role="hq", postcode=postcode, commune_insee=place.insee, commune_name=place.name,
                            departement=place.departement, region=place.region, latitude=place.latitude,
                            longitude=place.longitude, precision="commune")
    record = atlas.ActorRecord(name=name, kind=kind, sites=[site], relations=relations,
                               description_fr="Organisation fictive créée pour la démonstration des appels à projets.")
    source = atlas.get_or_create_source(session, record=SOURCE)
    return atlas.upsert_actor(session, record=record, source=source, match_by_name=True).actor_id


def _user(session: Session, email: str, name: str) -> int:
    return accounts.ensure_user(session, email=email, display_name=name).id


def run(factory: sessionmaker[Session], *, taxonomies: Mapping[str, Any]) -> dict:
    with factory() as session:
        existing = session.scalar(select(Call).where(Call.source_note == LABEL))
        if existing is not None:
            return {"call": existing.id, "created": False}
        incubator = _actor(session, INCUBATOR, "91000", "incubator")
        startups = [_actor(session, name, pc, "startup",
                           relations=[("part_of", incubator)] if child else None) for name, pc, child in STARTUPS]
        manager = _user(session, "gestionnaire-demo@demo.invalid", "Gestionnaire démo")
        reviewers = [_user(session, f"evaluateur-demo-{i}@demo.invalid", f"Évaluateur démo {i}") for i in range(1, 5)]
        applicants = [_user(session, f"candidat-demo-{i}@demo.invalid", f"Candidat démo {i}") for i in range(1, 5)]
        accounts.grant_member(session, user_id=reviewers[0], actor_id=incubator)
        for uid, actor_id in zip(applicants, startups):
            accounts.grant_member(session, user_id=uid, actor_id=actor_id)
        session.commit()
        now = datetime.now(timezone.utc).replace(microsecond=0)
        call = service.create_call(
            session, by_user_id=manager, kind="challenge",
            title_fr="Défi deeptech Île-de-France, leader en bioproduction (appel fictif de démonstration)",
            title_en="Île-de-France deeptech challenge, leader in bioproduction (fictitious demonstration call)",
            text_fr=("Appel fictif de démonstration, inspiré de la recommandation 10 de la feuille de route "
                     "francilienne («\u00a0organiser un challenge deeptech\u00a0»). Candidatures synthétiques."),
            text_en=("Fictitious demonstration call, after recommendation 10 of the Île-de-France roadmap "
                     "(\"organise a deeptech challenge\"). Synthetic applications."),
            region="11", opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=10),
            eligibility={"actor_kinds": ["company"], "regions": ["11"], "max_company_age_years": 8,
                         "modalities": ["viral_vector", "cell_therapy", "mab", "nucleic_acid"]},
            form=FORM, criteria=CRITERIA, blind=True, show_others=True, reviewers_per_item=3,
            overall_threshold=10, managers=[manager], source_note=LABEL)
        service.publish_call(session, call=call, by_user_id=manager)
        service.add_reviewers(session, call=call, emails=[f"evaluateur-demo-{i}@demo.invalid" for i in range(1, 5)],
                              by_user_id=manager)
        when = now - timedelta(days=20)
        apps = []
        modalities = ["viral_vector", "cell_therapy", "nucleic_acid", "mab"]
        for i, (uid, actor_id) in enumerate(zip(applicants, startups)):
            app = service.start_application(session, call=call, user_id=uid, actor_id=actor_id, synthetic=True, now=when)
            service.save_draft(session, application=app, now=when, raw={
                "project_title": f"Projet fictif {i + 1} (candidature fictive de démonstration)",
                "summary": "Candidature fictive de démonstration\u202f: texte synthétique, aucune organisation réelle.",
                "founded_year": str(now.year - 2 - i), "modality": modalities[i]})
            service.submit(session, application=app, user_id=uid, now=when)
            apps.append(app)
        report = service.assign_reviewers(session, call=call, by_user_id=manager)
        for i, app in enumerate(apps):
            for r, reviewer in enumerate(reviewers):
                if (service.item_of(session, application=app).id, reviewer) not in report.assigned:  # type: ignore[union-attr]
                    continue
                base = SCORES[i]
                service.score(session, application=app, reviewer_id=reviewer,
                              scores={c["code"]: min(5, base[k] + (0.5 if (r + k) % 3 == 0 else 0))
                                      for k, c in enumerate(CRITERIA)},
                              comment_applicant="Commentaire synthétique de démonstration pour le candidat.",
                              comment_jury="Commentaire synthétique réservé au jury.")
        for i, app in enumerate(apps):
            selected = i < 2
            service.decide(session, application=app, decision="selected" if selected else "rejected",
                           rationale=("Au-dessus des seuils par critère et du seuil global (démonstration)." if selected
                                      else "Sous un seuil par critère (démonstration)."), by_user_id=manager)
        results = service.publish_results(session, call=call, by_user_id=manager)
        projects = []
        for n, (title, lead, partner, modality, budget, start, months) in enumerate([
            ("Projet structurant fictif de démonstration A\u202f: ligne pilote vecteurs viraux", startups[0], incubator,
             "viral_vector", 12_000_000, now.date() - timedelta(days=400), 36),
            ("Projet structurant fictif de démonstration B\u202f: plateforme de thérapie cellulaire", startups[1],
             startups[3], "cell_therapy", 8_500_000, now.date() - timedelta(days=200), 30),
        ]):
            milestones = [
                {"title": "Lancement du consortium", "due_date": start + timedelta(days=30), "status": "done",
                 "done_date": start + timedelta(days=25)},
                {"title": "Preuve de concept", "due_date": start + timedelta(days=180), "status": "done",
                 "done_date": start + timedelta(days=170 + 40 * n)},
                {"title": "Lot pilote", "due_date": start + timedelta(days=420), "status": "in_progress"},
                {"title": "Transfert industriel", "due_date": start + timedelta(days=30 * months - 30)},
            ]
            p = service.create_project(
                session, title=title, summary="Projet fictif de démonstration\u202f: partenaires et chiffres synthétiques.",
                region="11", modality=modality, start_date=start, end_date=start + timedelta(days=30 * months),
                budget_eur=budget, source_key=SOURCE.key, source_title=SOURCE.title, source_kind="synthetic",
                partners=[(lead, "lead"), (partner, "partner")],
                funding=[("Financement régional fictif (démonstration)", budget * 0.4),
                         ("Fonds propres fictifs (démonstration)", budget * 0.6)],
                milestones=milestones, deliverables=[{"title": "Rapport de preuve de concept (fictif)",
                                                      "milestone": "Preuve de concept",
                                                      "delivered_on": start + timedelta(days=185)}],
                roadmap_code="idf-assises-2021", roadmap_action=9, call_id=call.id)
            projects.append(p.id)
        return {"call": call.id, "applications": len(apps), "excluded": len(report.excluded),
                "laureates": results["laureates"], "projects": len(projects), "created": True}
