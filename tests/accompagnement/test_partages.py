"""Partage d'un foyer entre sites : écrans et périmètre (404 avant l'acceptation, après un
refus ou la fin du partage ; accès comme le site de rattachement après l'acceptation)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accompagnement.services import ouvrir_accompagnement
from droits.models import Signalement
from habitants import partage
from habitants.models import DemandePartage
from habitants.models_partage import StatutDemande
from habitants.services import ajouter_ressource, modifier_sante
from tests.factories import AgentFactory
from tests.partage import NAISSANCE, demander


@pytest.fixture
def dossier_a(ts_a, famille_de_a):
    """Le foyer partagé a un accompagnement (référent : un travailleur social de A), un
    signalement, des ressources et une situation de santé."""
    f, parent, *_ = famille_de_a
    accompagnement = ouvrir_accompagnement(
        agent=ts_a, foyer=f, axe="logement", membres=[parent], date_ouverture=date(2026, 1, 5)
    )
    signalement = Signalement.objects.create(
        foyer=f, prestation_id="rsa", montant_estime=Decimal("573.49"), empreinte="x"
    )
    ajouter_ressource(
        agent=ts_a,
        habitant=parent,
        type="salaire_net",
        montant_mensuel=Decimal("987.65"),
        date_debut=date(2025, 1, 1),
    )
    modifier_sante(agent=ts_a, habitant=parent, taux_incapacite=80, reconnaissance_mdph=True)
    return accompagnement, signalement


def _reponses(client, agent, famille_de_a, dossier_a):
    """Les statuts des pages du foyer, de ses personnes, accompagnements et signalements pour
    cet agent, et si la liste des signalements le montre."""
    f, parent, enfant, autre, voisin = famille_de_a
    _accompagnement, signalement = dossier_a
    client.force_login(agent)
    liste = client.get(reverse("droits:signalements")).content.decode()
    return {
        "dossier": client.get(reverse("accompagnement:dossier", args=[f.pk])).status_code,
        "fiche parent": client.get(reverse("habitants:fiche", args=[parent.pk])).status_code,
        "fiche enfant": client.get(reverse("habitants:fiche", args=[enfant.pk])).status_code,
        "ouvrir": client.get(reverse("accompagnement:ouvrir", args=[f.pk])).status_code,
        "signalement": client.post(
            reverse("droits:changer_etat", args=[signalement.pk]),
            {"etat": "contacte", "venue_d_elle_meme": "on"},
        ).status_code,
        "signalement listé": f'href="{reverse("droits:signalement", args=[signalement.pk])}'
        in liste,
        "autre foyer": client.get(reverse("accompagnement:dossier", args=[autre.pk])).status_code,
        "autre personne": client.get(reverse("habitants:fiche", args=[voisin.pk])).status_code,
        "prestation": client.post(
            reverse("droits:ajouter_prestation", args=[f.pk]), {}
        ).status_code,
    }


FERME = {
    "dossier": 404,
    "fiche parent": 404,
    "fiche enfant": 404,
    "ouvrir": 404,
    "signalement": 404,
    "signalement listé": False,
    "autre foyer": 404,
    "autre personne": 404,
    "prestation": 404,
}
OUVERT = {
    "dossier": 200,
    "fiche parent": 200,
    "fiche enfant": 200,
    "ouvrir": 200,
    "signalement": 302,
    "signalement listé": True,
    "autre foyer": 404,
    "autre personne": 404,
    "prestation": 422,  # formulaire vide : refusé avec ses erreurs, mais atteint
}


def test_le_site_demandeur_n_a_acces_qu_apres_l_acceptation_et_jusqu_a_la_fin(
    client, ts_a, ts_b, site_a, site_b, famille_de_a, dossier_a
):
    (demande,) = demander(ts_b, site_b, site_a)
    assert _reponses(client, ts_b, famille_de_a, dossier_a) == FERME  # en attente
    partage.accepter(agent=ts_a, demande=demande)
    assert _reponses(client, ts_b, famille_de_a, dossier_a) == OUVERT
    partage.terminer_partage(agent=ts_a, demande=demande)
    assert _reponses(client, ts_b, famille_de_a, dossier_a) == FERME


def test_apres_un_refus_le_site_demandeur_reste_dehors(
    client, ts_a, ts_b, site_a, site_b, famille_de_a, dossier_a
):
    (demande,) = demander(ts_b, site_b, site_a)
    partage.refuser(agent=ts_a, demande=demande, motif_refus="Suivi déjà assuré")
    assert _reponses(client, ts_b, famille_de_a, dossier_a) == FERME


def test_apres_acceptation_le_dossier_montre_accompagnements_et_signalements(
    client, ts_a, ts_b, site_a, site_b, famille_de_a, dossier_a
):
    f, *_ = famille_de_a
    accompagnement, _ = dossier_a
    (demande,) = demander(ts_b, site_b, site_a)
    partage.accepter(agent=ts_a, demande=demande)
    client.force_login(ts_b)
    html = client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    assert "Logement" in html
    assert f"référent : {ts_a}" in html
    assert "987,65" in html  # les ressources, comme le site de rattachement
    assert "Partagé avec <strong>Maison des Habitants Bêta</strong>" in html
    assert "Foyer partagé avec Maison des Habitants Bêta" in html  # la chronologie
    # L'accompagnement lui-même : ses intervenants seulement, comme pour un collègue de A.
    detail = reverse("accompagnement:detail", args=[accompagnement.pk])
    assert client.get(detail).status_code == 404
    collegue_a = AgentFactory(role="travailleur_social", sites=[site_a])
    client.force_login(collegue_a)
    assert client.get(detail).status_code == 404


def test_l_accueil_du_site_demandeur_ne_voit_ni_ressources_ni_sante(
    client, ts_a, ts_b, accueil_b, site_a, site_b, famille_de_a, dossier_a
):
    f, parent, *_ = famille_de_a
    (demande,) = demander(ts_b, site_b, site_a)
    client.force_login(accueil_b)
    assert client.get(reverse("habitants:fiche", args=[parent.pk])).status_code == 404
    partage.accepter(agent=ts_a, demande=demande)
    fiche = client.get(reverse("habitants:fiche", args=[parent.pk]))
    assert fiche.status_code == 200
    html = fiche.content.decode()
    assert "BENALI" in html
    assert "987,65" not in html
    assert "80 %" not in html
    assert "MDPH" not in html
    # Ni dossier, ni signalements, ni pages du travail social.
    assert client.get(reverse("accompagnement:dossier", args=[f.pk])).status_code == 403
    assert client.get(reverse("droits:signalements")).status_code == 403
    assert client.get(reverse("accompagnement:partages")).status_code == 403


def test_l_inscription_propose_la_demande_au_travailleur_social_seulement(
    client, ts_b, accueil_b, site_a, famille_de_a
):
    donnees = {
        "nom_usage": "Benali",
        "prenoms": "Amina",
        "date_naissance": NAISSANCE.isoformat(),
    }
    client.force_login(accueil_b)
    html = client.post(reverse("habitants:inscrire"), donnees).content.decode()
    assert "Connue de la Maison des Habitants Alpha : contactez-la." in html
    assert "Demander le partage ou le transfert" not in html
    client.force_login(ts_b)
    html = client.post(reverse("habitants:inscrire"), donnees).content.decode()
    assert "Demander le partage ou le transfert" in html
    assert "Amina" in html  # ce qu'il a tapé
    _famille_f, parent, *_ = famille_de_a
    assert "12 rue Mallifaud" not in html
    assert f"/{parent.pk}/" not in html


def _formulaire(site_a, site_b, **champs):
    return {
        "site": site_a.pk,
        "site_demandeur": site_b.pk,
        "nom_usage": "Benali",
        "prenoms": "Amina",
        "date_naissance": NAISSANCE.isoformat(),
        "nature": "partage",
        "motif": "Suivi RSA à Bêta",
        **champs,
    }


def test_demander_sans_motif_puis_avec(client, ts_b, site_a, site_b, famille_de_a):
    client.force_login(ts_b)
    url = reverse("accompagnement:demander_partage")
    reponse = client.post(url, _formulaire(site_a, site_b, motif=""))
    assert reponse.status_code == 422
    html = reponse.content.decode()
    assert 'id="partage-motif_error"' in html or "Indiquez le motif de la demande." in html
    assert "Indiquez le motif de la demande." in html
    assert not DemandePartage.objects.exists()
    reponse = client.post(url, _formulaire(site_a, site_b))
    assert reponse.status_code == 302
    demande = DemandePartage.objects.get()
    assert (demande.site_demandeur, demande.statut) == (site_b, StatutDemande.EN_ATTENTE)
    page = client.get(reverse("accompagnement:partages")).content.decode()
    assert "Demande de partage envoyée : Maison des Habitants Alpha" in page
    assert "BENALI Amina" in page  # ce qu'il a tapé
    assert "12 rue Mallifaud" not in page  # rien du foyer avant l'acceptation
    assert reverse("accompagnement:dossier", args=[demande.foyer_id]) not in page


def test_un_site_qui_n_est_pas_le_sien_ne_demande_pas(client, ts_b, site_a, famille_de_a):
    client.force_login(ts_b)
    reponse = client.post(reverse("accompagnement:demander_partage"), _formulaire(site_a, site_a))
    assert reponse.status_code == 422
    assert not DemandePartage.objects.exists()


def test_decider_refus_sans_motif_puis_acceptation(
    client, ts_a, ts_b, site_a, site_b, famille_de_a
):
    (demande,) = demander(ts_b, site_b, site_a)
    client.force_login(ts_a)
    accueil = client.get(reverse("accompagnement:mes_accompagnements")).content.decode()
    assert "Demandes reçues" in accueil
    assert "Partage demandé par Maison des Habitants Bêta" in accueil
    page = client.get(reverse("accompagnement:partages")).content.decode()
    assert "Suivi RSA à Bêta" in page
    url = reverse("accompagnement:decider_partage", args=[demande.pk])
    reponse = client.post(url, {"decision": "refuser", "motif_refus": ""})
    assert reponse.status_code == 422
    assert "Indiquez le motif du refus." in reponse.content.decode()
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.EN_ATTENTE
    reponse = client.post(url, {"decision": "accepter"})
    assert reponse.status_code == 302
    demande.refresh_from_db()
    assert (demande.statut, demande.decidee_par) == (StatutDemande.ACCEPTEE, ts_a)
    # Décidée, elle n'est plus à décider : 404.
    assert client.post(url, {"decision": "accepter"}).status_code == 404


def test_seul_le_site_de_rattachement_decide(client, ts_b, site_a, site_b, famille_de_a):
    (demande,) = demander(ts_b, site_b, site_a)
    url = reverse("accompagnement:decider_partage", args=[demande.pk])
    for agent in (ts_b, AgentFactory(role="travailleur_social")):
        client.force_login(agent)
        assert client.post(url, {"decision": "accepter"}).status_code == 404
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.EN_ATTENTE


def test_le_refus_et_son_motif_reviennent_au_demandeur(
    client, ts_a, ts_b, site_a, site_b, famille_de_a
):
    (demande,) = demander(ts_b, site_b, site_a)
    client.force_login(ts_a)
    client.post(
        reverse("accompagnement:decider_partage", args=[demande.pk]),
        {"decision": "refuser", "motif_refus": "Suivi déjà assuré ici"},
    )
    client.force_login(ts_b)
    page = client.get(reverse("accompagnement:partages")).content.decode()
    assert "refusée" in page
    assert "Suivi déjà assuré ici" in page


def test_retirer_et_terminer_depuis_la_page(client, ts_a, ts_b, site_a, site_b, famille_de_a):
    f, *_ = famille_de_a
    (demande,) = demander(ts_b, site_b, site_a)
    client.force_login(ts_a)  # pas le sien : 404
    assert (
        client.post(reverse("accompagnement:retirer_partage", args=[demande.pk])).status_code == 404
    )
    client.force_login(ts_b)
    client.post(reverse("accompagnement:retirer_partage", args=[demande.pk]))
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.RETIREE
    (seconde,) = demander(ts_b, site_b, site_a)
    partage.accepter(agent=ts_a, demande=seconde)
    assert client.get(reverse("accompagnement:dossier", args=[f.pk])).status_code == 200
    client.post(reverse("accompagnement:terminer_partage", args=[seconde.pk]))
    seconde.refresh_from_db()
    assert seconde.statut == StatutDemande.TERMINEE
    assert client.get(reverse("accompagnement:dossier", args=[f.pk])).status_code == 404


def test_le_site_partenaire_demande_le_transfert_depuis_le_dossier(
    client, ts_a, ts_b, site_a, site_b, famille_de_a
):
    f, *_ = famille_de_a
    (demande,) = demander(ts_b, site_b, site_a)
    url = reverse("accompagnement:demander_transfert", args=[f.pk])
    client.force_login(ts_b)
    assert client.post(url, {"motif": "Déménagement"}).status_code == 404  # pas encore partagé
    partage.accepter(agent=ts_a, demande=demande)
    html = client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    assert "Demander le transfert du foyer à votre site" in html
    assert client.post(url, {"motif": ""}).status_code == 422
    assert client.post(url, {"motif": "Déménagement"}).status_code == 302
    transfert = DemandePartage.objects.get(nature="transfert")
    partage.accepter(agent=ts_a, demande=transfert)
    f.refresh_from_db()
    assert f.site == site_b
    client.force_login(ts_a)
    assert client.get(reverse("accompagnement:dossier", args=[f.pk])).status_code == 404
    # Le site de rattachement n'a pas ce formulaire.
    client.force_login(ts_b)
    html = client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    assert "Demander le transfert du foyer à votre site" not in html


def test_le_site_partenaire_ouvre_un_accompagnement_avec_ses_collegues(
    client, ts_a, ts_b, site_a, site_b, famille_de_a
):
    from accompagnement.services import creer_action_collective, enregistrer_seance

    f, parent, *_ = famille_de_a
    collegue_b = AgentFactory(role="travailleur_social", sites=[site_b])
    action = creer_action_collective(
        agent=ts_b, titre="Atelier budget", type="atelier", site=site_b, date_debut=date(2026, 1, 1)
    )
    seance = {"agent": ts_b, "action": action, "date_seance": date(2026, 1, 10), "theme": "x"}
    with pytest.raises(ValidationError):
        enregistrer_seance(**seance, participants=[parent])
    (demande,) = demander(ts_b, site_b, site_a)
    partage.accepter(agent=ts_a, demande=demande)
    client.force_login(ts_b)
    html = client.get(reverse("accompagnement:ouvrir", args=[f.pk])).content.decode()
    assert str(collegue_b) in html
    assert str(ts_a) in html
    # Une personne du foyer partagé participe à une action collective du site partenaire.
    assert list(enregistrer_seance(**seance, participants=[parent]).participants.all()) == [parent]
