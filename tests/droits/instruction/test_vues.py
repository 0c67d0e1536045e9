"""Les écrans de l'instruction : permissions (404 d'un autre site, pseudonymes en commission),
erreurs françaises à côté du champ, idempotence, chaîne jusqu'au paiement."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from ccas_portal.models import EntreeJournal
from droits.instruction import services
from droits.instruction.enums import EtatDemande, NatureDemande
from droits.instruction.models import Decision, Demande, Paiement, Seance
from tests.droits.instruction.conftest import AUJOURD_HUI, demande_facultative, type_aide
from tests.factories import AgentFactory, SiteFactory


def post_demande(client, foyer, reglement, **valeurs):
    donnees = {
        "jeton": str(uuid.uuid4()),
        "beneficiaire": foyer.membres.first().habitant_id,
        "type_aide": type_aide(reglement, "jeunes_adultes").pk,
        "montant_demande": "300",
        "objet": "Frais de formation",
        "date_depot": AUJOURD_HUI.strftime("%d/%m/%Y"),
        "autres_charges": "",
        "ressources_complementaires": "",
        **valeurs,
    }
    url = reverse("droits:nouvelle_demande", args=[foyer.pk]) + "?nature=facultative"
    return client.post(url, donnees), donnees, url


def test_demande_depuis_le_dossier_du_foyer(client_de, ts, jeune, reglement):
    f, _ = jeune
    client = client_de(ts)
    page = client.get(reverse("accompagnement:dossier", args=[f.pk]))
    assert reverse("droits:nouvelle_demande", args=[f.pk]) in page.content.decode()
    choix = client.get(reverse("droits:nouvelle_demande", args=[f.pk]))
    assert "Aide sociale légale" in choix.content.decode()
    reponse, _, _ = post_demande(client, f, reglement)
    d = Demande.objects.get()
    assert reponse.status_code == 302
    assert reponse.url == reverse("droits:demande", args=[d.pk])
    page = client.get(reponse.url).content.decode()
    assert "Reste à vivre par unité de consommation" in page
    assert "condition remplie" in page


def test_erreur_francaise_a_cote_du_champ_sans_ecriture(client_de, ts, jeune, reglement):
    f, _ = jeune
    reponse, _, _ = post_demande(client_de(ts), f, reglement, montant_demande="abc", objet="")
    assert reponse.status_code == 422
    page = reponse.content.decode()
    assert "Saisissez un nombre." in page
    assert "Ce champ est obligatoire." in page
    assert 'id="demande-montant_demande"' in page
    assert Demande.objects.count() == 0


def test_formulaire_renvoye_n_ecrit_qu_une_fois(client_de, ts, jeune, reglement):
    f, _ = jeune
    client = client_de(ts)
    _, donnees, url = post_demande(client, f, reglement)
    client.post(url, donnees)
    assert Demande.objects.count() == 1


def test_autre_site_404(client_de, ts, directeur, jeune, reglement):
    d = demande_facultative(ts, jeune, reglement, code="secours_urgence", montant="100")
    decision = services.decider(
        agent=directeur,
        demande=d,
        sens="accordee",
        montant=Decimal("100"),
        mode_paiement="personne",
    )
    autre = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="ailleurs")])
    client = client_de(autre)
    assert client.get(reverse("droits:demande", args=[d.pk])).status_code == 404
    assert client.get(reverse("droits:lettre", args=[decision.lettre.pk])).status_code == 404
    assert (
        client.post(reverse("droits:presenter", args=[d.pk]), {"jeton": str(uuid.uuid4())})
    ).status_code == 404
    assert client.get(reverse("droits:nouvelle_demande", args=[d.foyer_id])).status_code == 404


def test_lettre_telechargee_et_journalisee(client_de, ts, directeur, jeune, reglement):
    d = demande_facultative(ts, jeune, reglement, code="secours_urgence", montant="100")
    decision = services.decider(
        agent=directeur,
        demande=d,
        sens="accordee",
        montant=Decimal("100"),
        mode_paiement="personne",
    )
    reponse = client_de(ts).get(reverse("droits:lettre", args=[decision.lettre.pk]))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse.content.startswith(b"%PDF")
    assert EntreeJournal.objects.filter(
        objet_type="droits.lettre", objet_id=str(decision.lettre.pk), action="export"
    ).exists()


def test_commission_pseudonymisee_et_decision(client_de, ts, directeur, jeune, reglement):
    d = demande_facultative(ts, jeune, reglement)
    services.presenter_en_commission(agent=ts, demande=d)
    client = client_de(directeur)
    reponse = client.post(
        reverse("droits:commission"),
        {
            "jeton": str(uuid.uuid4()),
            "date": AUJOURD_HUI.strftime("%d/%m/%Y"),
            "lieu": "Salle du conseil",
            "membres": "Mme Adjointe\nM. Administrateur",
        },
    )
    seance = Seance.objects.get()
    assert reponse.url == reverse("droits:seance", args=[seance.pk])
    page = client.get(reponse.url).content.decode()
    assert d.pseudonyme in page
    assert "Bellil" not in page
    assert "Yanis" not in page
    url = reverse("droits:decider", args=[seance.pk, d.pk])
    refus = client.post(url, {"jeton": str(uuid.uuid4()), "sens": "refusee"})
    assert refus.status_code == 422
    assert "Choisissez le motif du refus dans le règlement." in refus.content.decode()
    assert Decision.objects.count() == 0
    accord = client.post(
        url,
        {
            "jeton": str(uuid.uuid4()),
            "sens": "accordee",
            "montant": "300",
            "mode_paiement": "personne",
        },
    )
    assert accord.status_code == 302
    d.refresh_from_db()
    assert d.etat == EtatDemande.ACCORDEE
    # Le travailleur social retrouve la lettre sur la demande.
    page = client_de(ts).get(reverse("droits:demande", args=[d.pk])).content.decode()
    assert reverse("droits:lettre", args=[d.lettres.get().pk]) in page


def test_commission_interdite_au_travailleur_social_et_demande_au_responsable(
    client_de, ts, directeur, jeune, reglement
):
    d = demande_facultative(ts, jeune, reglement)
    assert client_de(ts).get(reverse("droits:commission")).status_code == 403
    assert client_de(directeur).get(reverse("droits:demande", args=[d.pk])).status_code == 403


def test_paiement_par_les_finances_met_a_jour_le_budget(
    client_de, ts, directeur, finances, jeune, reglement
):
    d = demande_facultative(ts, jeune, reglement, code="aide_alimentaire", montant="100")
    decision = services.decider(
        agent=directeur, demande=d, sens="accordee", montant=Decimal("100"), mode_paiement="bons"
    )
    client = client_de(finances)
    page = client.get(reverse("droits:paiements")).content.decode()
    assert "Aides accordées non payées : 1" in page
    url = reverse("droits:payer", args=[decision.pk])
    valeurs = {
        "jeton": str(uuid.uuid4()),
        "montant": "100",
        "mode": "bons",
        "destinataire": "Yanis Bellil",
        "date_paiement": AUJOURD_HUI.strftime("%d/%m/%Y"),
        "reference": "BONS-1",
        "numeros_bons": "",
    }
    erreur = client.post(url, valeurs)
    assert erreur.status_code == 422
    assert "Indiquez les numéros des bons remis." in erreur.content.decode()
    assert Paiement.objects.count() == 0
    ok = client.post(url, {**valeurs, "numeros_bons": "A001 à A010"})
    assert ok.status_code == 302
    page = client.get(reverse("droits:paiements")).content.decode()
    assert "Aides accordées non payées : 0" in page
    assert "100,00\u00a0€" in page  # payé, dans le tableau des budgets
    assert client_de(ts).post(url, valeurs).status_code == 403


def test_dossiers_en_retard_signales(client_de, ts, directeur, jeune, reglement):
    f, h = jeune
    services.creer_demande(
        agent=ts,
        foyer=f,
        beneficiaire=h,
        nature=NatureDemande.AIDE_SOCIALE_LEGALE,
        dispositif="aide_menagere",
        objet="Aide ménagère",
        date_depot=AUJOURD_HUI - timedelta(days=45),
    )
    page = client_de(ts).get(reverse("droits:demandes")).content.decode()
    assert "à transmettre au plus tard le" in page
    page = client_de(directeur).get(reverse("droits:commission")).content.decode()
    assert "1 dossier en retard" in page


@pytest.mark.parametrize("role", ["accueil", "finances", "admin"])
def test_demandes_reservees_aux_travailleurs_sociaux(client_de, role, jeune, reglement):
    agent = AgentFactory(role=role)
    f, _ = jeune
    assert client_de(agent).get(reverse("droits:demandes")).status_code == 403
    assert client_de(agent).get(reverse("droits:nouvelle_demande", args=[f.pk])).status_code == 403


def test_un_signalement_jeunes_adultes_ouvre_une_demande_pre_remplie(
    client_de, ts, jeune, reglement
):
    from droits.models import Signalement

    f, h = jeune
    s = Signalement.objects.create(
        foyer=f,
        prestation_id="aide_facultative_jeunes",
        montant_estime=Decimal("250"),
        empreinte="e",
    )
    client = client_de(ts)
    page = client.get(reverse("droits:signalement", args=[s.pk])).content.decode()
    lien = reverse("droits:nouvelle_demande", args=[f.pk])
    assert f"{lien}?nature=facultative&amp;signalement={s.pk}" in page
    formulaire = client.get(lien, {"nature": "facultative", "signalement": s.pk})
    form = formulaire.context["form"]
    assert form.initial["type_aide"] == type_aide(reglement, "jeunes_adultes").pk
    assert form.initial["beneficiaire"] == h.pk
    assert form.initial["montant_demande"] == Decimal("250.00")
    assert "Ouverte depuis le signalement" in formulaire.content.decode()
    reponse, _, _ = post_demande(client, f, reglement)
    assert reponse.status_code == 302


def test_decision_d_urgence_du_directeur(client_de, ts, directeur, jeune, reglement):
    d = demande_facultative(ts, jeune, reglement, code="aide_alimentaire", montant="120")
    client = client_de(directeur)
    page = client.get(reverse("droits:commission")).content.decode()
    url = reverse("droits:urgence", args=[d.pk])
    assert url in page
    assert "Bellil" not in client.get(url).content.decode()
    erreur = client.post(
        url, {"jeton": str(uuid.uuid4()), "sens": "accordee", "montant": "120", "mode_paiement": ""}
    )
    assert erreur.status_code == 422
    assert "Choisissez un mode de paiement prévu pour cette aide." in erreur.content.decode()
    ok = client.post(
        url,
        {"jeton": str(uuid.uuid4()), "sens": "accordee", "montant": "120", "mode_paiement": "bons"},
    )
    assert ok.status_code == 302
    decision = Decision.objects.get()
    assert decision.urgence
    assert decision.seance is None
    page = client.get(reverse("droits:commission")).content.decode()
    assert f"{d.pseudonyme} — {d.intitule} : accordée, 120,00" in page
