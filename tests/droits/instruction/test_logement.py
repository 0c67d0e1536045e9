"""Clore une demande de logement social : issue (attribué, refus, relogement, abandon) et
date, service journalisé, formulaire sur la page de la demande, erreurs près du champ."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ccas_portal.models import EntreeJournal
from droits.instruction import services
from droits.instruction.enums import EtatDemande, IssueLogement, NatureDemande
from tests.droits.instruction.conftest import AUJOURD_HUI, demande_facultative
from tests.factories import AgentFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logement(ts, jeune):
    f, h = jeune
    return services.creer_demande(
        agent=ts,
        foyer=f,
        beneficiaire=h,
        nature=NatureDemande.LOGEMENT_SOCIAL,
        objet="Accompagnement de la demande de logement social",
        champs={"numero_unique": "038-2025-12345", "typologie": "T2"},
        date_depot=AUJOURD_HUI - timedelta(days=90),
    )


def test_clore_attribue_journalise(ts, logement):
    d = services.clore_demande_logement(
        agent=ts, demande=logement, issue=IssueLogement.ATTRIBUE, date_cloture=AUJOURD_HUI
    )
    d.refresh_from_db()
    assert (d.etat, d.issue, d.date_cloture) == (EtatDemande.CLOSE, "attribue", AUJOURD_HUI)
    entree = EntreeJournal.objects.filter(objet_type="droits.demande", action="modification").get()
    assert entree.details["avant"] == {"etat": "en_instruction"}
    assert entree.details["apres"]["issue"] == "attribue"


def test_deja_close_refusee(ts, logement):
    services.clore_demande_logement(
        agent=ts, demande=logement, issue=IssueLogement.ABANDON, date_cloture=AUJOURD_HUI
    )
    with pytest.raises(ValidationError, match="déjà close"):
        services.clore_demande_logement(
            agent=ts, demande=logement, issue=IssueLogement.ATTRIBUE, date_cloture=AUJOURD_HUI
        )
    logement.refresh_from_db()
    assert logement.issue == "abandon"


def test_dates_et_issue_controlees(ts, logement):
    with pytest.raises(ValidationError) as erreur:
        services.clore_demande_logement(
            agent=ts,
            demande=logement,
            issue="inconnue",
            date_cloture=AUJOURD_HUI + timedelta(days=1),
        )
    assert erreur.value.message_dict == {
        "issue": ["Choisissez l'issue de la demande."],
        "date_cloture": ["La date de clôture ne peut pas être dans le futur."],
    }
    with pytest.raises(ValidationError, match="ne peut pas précéder le dépôt"):
        services.clore_demande_logement(
            agent=ts,
            demande=logement,
            issue=IssueLogement.ATTRIBUE,
            date_cloture=logement.date_depot - timedelta(days=1),
        )
    logement.refresh_from_db()
    assert logement.etat == EtatDemande.EN_INSTRUCTION


def test_seulement_le_logement_social_et_son_site(ts, jeune, reglement, logement):
    facultative = demande_facultative(ts, jeune, reglement)
    with pytest.raises(ValidationError, match="Seules les demandes de logement social"):
        services.clore_demande_logement(
            agent=ts, demande=facultative, issue=IssueLogement.ATTRIBUE, date_cloture=AUJOURD_HUI
        )
    autre = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-ailleurs")])
    with pytest.raises(PermissionDenied):
        services.clore_demande_logement(
            agent=autre, demande=logement, issue=IssueLogement.ATTRIBUE, date_cloture=AUJOURD_HUI
        )


def test_bouton_sur_la_page_et_cloture(client_de, ts, logement, jeune, reglement):
    client = client_de(ts)
    url = reverse("droits:demande", args=[logement.pk])
    page = client.get(url).content.decode()
    assert "Clore la demande de logement social" in page
    assert "Logement attribué (bail signé)" in page
    facultative = demande_facultative(ts, jeune, reglement)
    autre_page = client.get(reverse("droits:demande", args=[facultative.pk])).content.decode()
    assert "Clore la demande de logement social" not in autre_page

    cloture = reverse("droits:clore_logement", args=[logement.pk])
    reponse = client.post(
        cloture,
        {
            "jeton": str(uuid.uuid4()),
            "issue": "proposition_refusee",
            "date_cloture": AUJOURD_HUI.strftime("%d/%m/%Y"),
        },
    )
    assert reponse.status_code == 302
    page = client.get(url).content.decode()
    assert "Demande de logement social close." in page
    assert "Proposition de logement refusée par la personne, le" in page
    assert "Clore la demande de logement social" not in page
    logement.refresh_from_db()
    assert (logement.etat, logement.issue) == (EtatDemande.CLOSE, "proposition_refusee")


def test_erreurs_pres_du_champ_sans_ecriture(client_de, ts, logement):
    cloture = reverse("droits:clore_logement", args=[logement.pk])
    reponse = client_de(ts).post(cloture, {"jeton": str(uuid.uuid4()), "date_cloture": "hier"})
    assert reponse.status_code == 422
    page = reponse.content.decode()
    assert "Choisissez l&#x27;issue de la demande." in page
    assert 'id="cloture-logement-date_cloture"' in page
    reponse = client_de(ts).post(
        cloture,
        {
            "jeton": str(uuid.uuid4()),
            "issue": "attribue",
            "date_cloture": (logement.date_depot - timedelta(days=3)).strftime("%d/%m/%Y"),
        },
    )
    assert reponse.status_code == 422
    assert "La clôture ne peut pas précéder le dépôt" in reponse.content.decode()
    logement.refresh_from_db()
    assert logement.etat == EtatDemande.EN_INSTRUCTION


def test_autre_site_404(client_de, logement):
    autre = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-ailleurs")])
    reponse = client_de(autre).post(
        reverse("droits:clore_logement", args=[logement.pk]),
        {"jeton": str(uuid.uuid4()), "issue": "attribue", "date_cloture": "01/01/2026"},
    )
    assert reponse.status_code == 404
    logement.refresh_from_db()
    assert logement.etat == EtatDemande.EN_INSTRUCTION
