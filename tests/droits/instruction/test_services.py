"""L'instruction des demandes : évaluation, éligibilité, décisions, budget, paiements, délais."""

import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ccas_portal.models import EntreeJournal
from droits.instruction import budget as budgets
from droits.instruction import selectors, services
from droits.instruction.demo import creer_reglement
from droits.instruction.enums import EtatDemande, ModePaiement, NatureDemande, SensDecision
from droits.instruction.evaluation import calculer, unites_de_consommation
from droits.instruction.models import Budget, Decision, Demande, Reglement, un_mois_apres
from habitants.services import ajouter_membre, enregistrer_ressource
from tests.droits.instruction.conftest import (
    ANNEE,
    AUJOURD_HUI,
    accorder,
    demande_facultative,
)
from tests.factories import AgentFactory, SiteFactory, foyer, habitant


def pdf_en_texte(contenu: bytes, tmp_path) -> str:
    chemin = tmp_path / "document.pdf"
    chemin.write_bytes(contenu)
    texte = subprocess.run(
        ["pdftotext", str(chemin), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(texte.split())  # les retours à la ligne du PDF ne comptent pas


# Évaluation et éligibilité


def test_unites_de_consommation_echelle_oecd_modifiee():
    assert unites_de_consommation([40, 38, 10, 15]) == Decimal("2.3")
    assert unites_de_consommation([22]) == Decimal("1")
    assert unites_de_consommation([5, 35]) == Decimal("1.3")


def test_reste_a_vivre_par_uc():
    e = calculer(
        jour=AUJOURD_HUI,
        ages=[40, 8],
        ressources=Decimal("1200"),
        charges_logement=Decimal("500"),
        autres_charges=Decimal("50"),
    )
    assert e.reste_a_vivre == "650.00"
    assert e.reste_a_vivre_uc == "500.00"  # 650 / 1,3


def test_demande_facultative_evaluee_depuis_le_dossier_social_et_eligible(ts, jeune, reglement):
    d = demande_facultative(ts, jeune, reglement)
    assert d.evaluation["ressources"] == "300.00"
    assert d.evaluation["charges_logement"] == "350.00"
    assert d.evaluation["reste_a_vivre_uc"] == "-50.00"
    assert [c["libelle"] for c in d.eligibilite] == [
        "Reste à vivre par unité de consommation",
        "Âge",
        "Résidence dans la commune",
        "Plafond par demande",
        "Plafond sur 12 mois",
    ]
    assert all(c["remplie"] for c in d.eligibilite)
    assert "22 ans (de 18 à 25 ans)" in d.eligibilite[1]["explication"]
    assert EntreeJournal.objects.filter(objet_type="droits.demande", objet_id=str(d.pk)).exists()


def test_eligibilite_refusee_age_residence_plafond_et_rav(ts, reglement):
    f = foyer(ts, code_postal="38400", code_insee="38421", loyer_mensuel=Decimal("300"))
    h = habitant(ts, prenoms="Odile", date_naissance=date(ANNEE - 40, 1, 1))
    ajouter_membre(agent=ts, foyer=f, habitant=h, role="demandeur", date_debut=date(2020, 1, 1))
    enregistrer_ressource(
        agent=ts,
        habitant=h,
        type="salaire_net",
        montant_mensuel=Decimal("2500"),
        date_debut=date(2020, 1, 1),
    )
    d = demande_facultative(ts, (f, h), reglement, montant="600")
    remplies = {c["libelle"]: c["remplie"] for c in d.eligibilite}
    assert remplies == {
        "Reste à vivre par unité de consommation": False,
        "Âge": False,
        "Résidence dans la commune": False,
        "Plafond par demande": False,
        "Plafond sur 12 mois": True,
    }
    assert "hors de la commune" in d.eligibilite[2]["explication"]


def test_le_travailleur_complete_l_evaluation(ts, jeune, reglement):
    d = demande_facultative(ts, jeune, reglement)
    services.completer_evaluation(
        agent=ts,
        demande=d,
        autres_charges=Decimal("0"),
        ressources_complementaires=Decimal("900"),
        commentaire="Bourse d'études non saisie",
    )
    d.refresh_from_db()
    assert d.evaluation["reste_a_vivre_uc"] == "850.00"
    assert d.eligibilite[0]["remplie"] is False


def test_champs_obligatoires_par_type_de_demande(ts, jeune, reglement):
    f, _h = jeune
    with pytest.raises(ValidationError) as e:
        services.creer_demande(agent=ts, foyer=f, nature=NatureDemande.FACULTATIVE, objet="x")
    assert set(e.value.message_dict) == {"type_aide", "montant_demande"}
    with pytest.raises(ValidationError) as e:
        services.creer_demande(
            agent=ts, foyer=f, nature=NatureDemande.AIDE_SOCIALE_LEGALE, objet="ASH"
        )
    assert set(e.value.message_dict) == {"dispositif"}
    assert Demande.objects.count() == 0


def test_type_d_aide_d_un_ancien_reglement_refuse(ts, jeune, reglement):
    ancien = creer_reglement(date_effet=date(2019, 1, 1), annee=ANNEE - 1)
    with pytest.raises(ValidationError) as e:
        demande_facultative(ts, jeune, ancien)
    assert "règlement en vigueur" in e.value.message_dict["type_aide"][0]


def test_un_travailleur_d_un_autre_site_ne_peut_pas_ouvrir_de_demande(jeune, reglement):
    autre = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="autre-site")])
    with pytest.raises(PermissionDenied):
        demande_facultative(autre, jeune, reglement)
    assert Demande.objects.visibles_par(autre).count() == 0


# Décisions, règlement versionné, lettres


def test_decision_en_seance_garde_sa_version_du_reglement(ts, directeur, jeune, reglement):
    d = demande_facultative(ts, jeune, reglement)
    services.presenter_en_commission(agent=ts, demande=d)
    seance = services.creer_seance(agent=directeur, date=AUJOURD_HUI, membres="Mme A\nM. B")
    assert list(selectors.ordre_du_jour()) == [d]
    decision = accorder(directeur, d, seance=seance)
    # Le conseil vote une nouvelle version : la décision passée garde la sienne.
    nouveau = Reglement.objects.create(
        libelle="Règlement 2",
        date_effet=AUJOURD_HUI + timedelta(days=1),
        vote_le=AUJOURD_HUI,
        code_insee_commune="38185",
    )
    decision.refresh_from_db()
    assert decision.reglement == reglement != nouveau
    assert Reglement.en_vigueur(AUJOURD_HUI + timedelta(days=2)) == nouveau
    d.refresh_from_db()
    assert d.etat == EtatDemande.ACCORDEE
    assert list(selectors.ordre_du_jour()) == []


def test_lettre_de_refus_motivee_avec_voies_de_recours(ts, directeur, jeune, reglement, tmp_path):
    d = demande_facultative(ts, jeune, reglement)
    services.presenter_en_commission(agent=ts, demande=d)
    seance = services.creer_seance(agent=directeur, date=AUJOURD_HUI, membres="Mme A")
    motif = reglement.motifs_refus.get(ordre=3)
    decision = services.decider(
        agent=directeur, demande=d, seance=seance, sens=SensDecision.REFUSEE, motif_refus=motif
    )
    texte = pdf_en_texte(bytes(decision.lettre.contenu), tmp_path)
    assert "Yanis Bellil" in texte
    assert "votre demande est refusée" in texte
    assert "dispositif de droit commun" in texte
    assert "Voies de recours" in texte
    assert "tribunal administratif" in texte


def test_lettre_d_accord_en_francais(ts, directeur, jeune, reglement, tmp_path):
    d = demande_facultative(ts, jeune, reglement, code="secours_urgence", montant="250")
    decision = accorder(directeur, d, montant="250")  # en urgence, sans séance
    texte = pdf_en_texte(bytes(decision.lettre.contenu), tmp_path)
    assert "le directeur du CCAS, en urgence" in texte
    assert "250,00" in texte
    assert "vous est accordée" in texte


def test_refus_sans_motif_et_ajournement_sans_manque_refuses(ts, directeur, jeune, reglement):
    d = demande_facultative(ts, jeune, reglement)
    services.presenter_en_commission(agent=ts, demande=d)
    seance = services.creer_seance(agent=directeur, date=AUJOURD_HUI, membres="Mme A")
    with pytest.raises(ValidationError) as e:
        services.decider(agent=directeur, demande=d, seance=seance, sens=SensDecision.REFUSEE)
    assert "motif_refus" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.decider(agent=directeur, demande=d, seance=seance, sens=SensDecision.AJOURNEE)
    assert "complement" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        accorder(directeur, d, montant="900", seance=seance)
    assert "plafonne" in e.value.message_dict["montant"][0]
    with pytest.raises(ValidationError) as e:
        accorder(directeur, d, seance=seance, mode=ModePaiement.CREANCIER)
    assert "mode_paiement" in e.value.message_dict
    assert Decision.objects.count() == 0


def test_ajournement_puis_nouvelle_presentation(ts, directeur, jeune, reglement):
    d = demande_facultative(ts, jeune, reglement)
    services.presenter_en_commission(agent=ts, demande=d)
    seance = services.creer_seance(agent=directeur, date=AUJOURD_HUI, membres="Mme A")
    services.decider(
        agent=directeur,
        demande=d,
        seance=seance,
        sens=SensDecision.AJOURNEE,
        complement="Devis de l'organisme de formation",
    )
    d.refresh_from_db()
    assert d.etat == EtatDemande.AJOURNEE
    services.presenter_en_commission(agent=ts, demande=d)
    d.refresh_from_db()
    assert d.etat == EtatDemande.PRETE


def test_urgence_seulement_si_le_reglement_la_permet(ts, directeur, jeune, reglement):
    d = demande_facultative(ts, jeune, reglement, code="energie", montant="100")
    with pytest.raises(ValidationError, match="en urgence"):
        accorder(directeur, d, montant="100", mode=ModePaiement.CREANCIER)
    with pytest.raises(PermissionDenied):
        accorder(ts, d, montant="100", mode=ModePaiement.CREANCIER)


def test_urgences_listees_pour_la_seance_suivante_et_proces_verbal(
    ts, directeur, jeune, reglement, tmp_path
):
    from droits.instruction.lettres import proces_verbal

    urgente = demande_facultative(ts, jeune, reglement, code="aide_alimentaire", montant="100")
    accorder(directeur, urgente, montant="100", mode=ModePaiement.BONS)
    assert [u.demande for u in selectors.urgences_a_presenter()] == [urgente]
    seance = services.creer_seance(agent=directeur, date=AUJOURD_HUI, membres="Mme A\nM. B")
    services.cloturer_seance(agent=directeur, seance=seance)
    seance.refresh_from_db()
    assert list(selectors.urgences_a_presenter()) == []
    assert urgente.pseudonyme in seance.proces_verbal
    assert "Bellil" not in seance.proces_verbal
    _, pdf = proces_verbal(seance, [], list(seance.decisions.all()))
    texte = pdf_en_texte(pdf, tmp_path)
    assert "Décisions d'urgence du directeur" in texte
    assert "100,00" in texte
    with pytest.raises(ValidationError, match="close"):
        services.cloturer_seance(agent=directeur, seance=seance)


# Budget et paiements


def test_plafond_sur_12_mois(ts, directeur, jeune, reglement):
    for _ in range(2):
        d = demande_facultative(ts, jeune, reglement, code="secours_urgence", montant="300")
        accorder(directeur, d)
    d = demande_facultative(ts, jeune, reglement, code="secours_urgence", montant="100")
    assert d.eligibilite[-1]["remplie"] is False
    assert "600,00" in d.eligibilite[-1]["explication"]
    with pytest.raises(ValidationError, match="plafond"):
        accorder(directeur, d, montant="100")


def test_arithmetique_du_budget_et_alerte(ts, directeur, finances, jeune, reglement):
    Budget.objects.filter(code_type="secours_urgence").update(vote=Decimal("500"))
    d = demande_facultative(ts, jeune, reglement, code="secours_urgence", montant="300")
    decision = accorder(directeur, d)
    b = Budget.objects.get(code_type="secours_urgence", annee=ANNEE)
    c = budgets.chiffres(b)
    assert (c.vote, c.accorde, c.engage, c.paye, c.restant) == (
        Decimal("500"),
        Decimal("300"),
        Decimal("300"),
        Decimal("0"),
        Decimal("200"),
    )
    assert not c.alerte
    services.enregistrer_paiement(
        agent=finances,
        decision=decision,
        montant=Decimal("120"),
        mode=ModePaiement.PERSONNE,
        destinataire="Yanis Bellil",
        date_paiement=AUJOURD_HUI,
        reference="MANDAT-1",
    )
    c = budgets.chiffres(b)
    assert (c.engage, c.paye, c.restant) == (Decimal("180"), Decimal("120"), Decimal("200"))
    assert [x.pk for x in selectors.aides_non_payees()] == [decision.pk]
    # Accorder au-delà du budget voté demande une confirmation explicite.
    d2 = demande_facultative(ts, jeune, reglement, code="secours_urgence", montant="250")
    with pytest.raises(ValidationError) as e:
        accorder(directeur, d2, montant="250")
    assert "200,00" in e.value.message_dict["malgre_depassement"][0]
    # (le plafond de 12 mois du foyer n'empêche pas : 300 + 250 ≤ 600)
    accorder(directeur, d2, montant="250", malgre_depassement=True)
    c = budgets.chiffres(b)
    assert c.restant == Decimal("-50")
    assert c.alerte
    assert c.pourcentage == 110


def test_paiement_solde_la_demande_et_refuse_le_trop_paye(
    ts, directeur, finances, jeune, reglement
):
    d = demande_facultative(ts, jeune, reglement, code="aide_alimentaire", montant="100")
    decision = accorder(directeur, d, montant="100", mode=ModePaiement.BONS)
    commun = {
        "agent": finances,
        "decision": decision,
        "mode": ModePaiement.BONS,
        "destinataire": "Yanis Bellil",
        "date_paiement": AUJOURD_HUI,
        "reference": "BONS-12",
    }
    with pytest.raises(ValidationError) as e:
        services.enregistrer_paiement(montant=Decimal("100"), **commun)
    assert "numeros_bons" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.enregistrer_paiement(montant=Decimal("150"), numeros_bons="B1", **commun)
    assert "Il reste 100,00" in e.value.message_dict["montant"][0]
    with pytest.raises(PermissionDenied):
        services.enregistrer_paiement(
            **{**commun, "agent": ts}, montant=Decimal("100"), numeros_bons="B1"
        )
    services.enregistrer_paiement(montant=Decimal("100"), numeros_bons="B1 à B10", **commun)
    d.refresh_from_db()
    assert d.etat == EtatDemande.PAYEE
    assert list(selectors.aides_non_payees()) == []


def test_budget_par_site_prend_le_pas_sur_celui_du_ccas(ts, directeur, jeune, reglement, site):
    Budget.objects.create(annee=ANNEE, code_type="energie", site=site, vote=Decimal("1000"))
    d = demande_facultative(ts, jeune, reglement, code="energie", montant="200")
    services.presenter_en_commission(agent=ts, demande=d)
    seance = services.creer_seance(agent=directeur, date=AUJOURD_HUI, membres="Mme A")
    accorder(directeur, d, montant="200", mode=ModePaiement.CREANCIER, seance=seance)
    du_site = budgets.chiffres(Budget.objects.get(code_type="energie", site=site))
    du_ccas = budgets.chiffres(Budget.objects.get(code_type="energie", site=None))
    assert du_site.accorde == Decimal("200")
    assert du_ccas.accorde == Decimal("0")


# Délais de transmission au Département


def test_un_mois_apres():
    assert un_mois_apres(date(2026, 1, 31)) == date(2026, 2, 28)
    assert un_mois_apres(date(2026, 12, 15)) == date(2027, 1, 15)


def test_dossiers_d_aide_sociale_en_retard(ts, jeune, reglement, site):
    f, h = jeune

    def deposer(jours):
        return services.creer_demande(
            agent=ts,
            foyer=f,
            beneficiaire=h,
            nature=NatureDemande.AIDE_SOCIALE_LEGALE,
            dispositif="ash",
            objet="Entrée en EHPAD",
            date_depot=AUJOURD_HUI - timedelta(days=jours),
        )

    en_retard, dans_les_temps = deposer(40), deposer(10)
    transmis = deposer(45)
    services.transmettre_au_departement(
        agent=ts, demande=transmis, date_transmission=AUJOURD_HUI - timedelta(days=20)
    )
    assert en_retard.en_retard(AUJOURD_HUI)
    assert not dans_les_temps.en_retard(AUJOURD_HUI)
    assert list(selectors.dossiers_en_retard(ts, AUJOURD_HUI)) == [en_retard]
    assert list(selectors.retards_par_site(AUJOURD_HUI)) == [{"site__nom": site.nom, "nombre": 1}]
    # Le jour même de l'échéance, le dossier n'est pas encore en retard.
    echeance = dans_les_temps.echeance_transmission
    assert not dans_les_temps.en_retard(echeance)
    assert dans_les_temps.en_retard(echeance + timedelta(days=1))
    assert list(selectors.dossiers_en_retard(ts, echeance)) == [en_retard]
    autre = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="autre")])
    assert list(selectors.dossiers_en_retard(autre, AUJOURD_HUI)) == []


def test_demandes_de_demonstration(referentiels):
    from ccas_portal.demo import creer_comptes_demo
    from droits.instruction.demo import creer_demandes
    from habitants.demo import creer_population

    creer_comptes_demo()
    creer_population(foyers=80, graine=3)
    bilan = creer_demandes(graine=3)
    assert bilan["demandes"] >= 9
    assert Demande.objects.filter(nature=NatureDemande.LOGEMENT_SOCIAL).count() == 1
    assert Decision.objects.filter(sens=SensDecision.REFUSEE, seance__isnull=False).count() == 1
    assert Decision.objects.filter(urgence=True).count() == 2
    seance = Decision.objects.get(sens=SensDecision.REFUSEE).seance
    assert seance.cloturee_le is not None
    assert "Dossier D-" in seance.proces_verbal
    # Chaque décision a sa lettre ; les chiffres du budget tiennent.
    assert all(hasattr(d, "lettre") for d in Decision.objects.all())
    secours = budgets.chiffres(Budget.objects.get(code_type="secours_urgence", annee=ANNEE))
    assert secours.paye == Decimal("200")
    assert secours.engage == Decimal("0")


def test_chiffres_du_tableau_de_bord(ts, directeur, finances, jeune, reglement):
    from ccas_portal.pilotage.instruction import chiffres_instruction

    d = demande_facultative(ts, jeune, reglement, code="jeunes_adultes", montant="300")
    decision = accorder(directeur, d)
    services.enregistrer_paiement(
        agent=finances,
        decision=decision,
        montant=Decimal("100"),
        mode=ModePaiement.PERSONNE,
        destinataire="Y. B.",
        date_paiement=AUJOURD_HUI,
        reference="M-1",
    )
    c = chiffres_instruction(AUJOURD_HUI - timedelta(days=30), AUJOURD_HUI)
    assert c["par_type"]["facultative"].valeur == 1
    assert c["par_etat"]["accordee"].valeur == 1
    assert c["par_axe"]["existence"].valeur == 1
    assert c["par_tranche_d_age"]["moins_25"].valeur == 1
    assert c["montant_demande"].valeur == Decimal("300")
    assert c["montant_accorde"].valeur == Decimal("300")
    assert c["montant_paye"].valeur == Decimal("100")
    assert c["part_jeunes_adultes_pourcent"].valeur == 100
    assert c["delai_moyen_de_decision_jours"].valeur == 0
    # Un seul foyer derrière chaque chiffre : masqué (« < 5 ») comme au tableau de bord.
    assert c["montant_accorde"].masque
    assert c["par_etat"]["accordee"].masque


def test_une_decision_prise_juste_apres_minuit_compte_le_jour_de_grenoble(
    ts, directeur, jeune, reglement
):
    """Décidée le 15 janvier à 0 h 30 à Grenoble (le 14 à 23 h 30 en UTC, l'heure que garde la
    base) sur une demande déposée le 15 : décidée le jour du dépôt. Le délai comptait -1 jour
    entre minuit et une heure (la CI qui tournait à cette heure-là échouait)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ccas_portal.pilotage.instruction import chiffres_instruction

    d = demande_facultative(ts, jeune, reglement, code="jeunes_adultes", montant="300")
    decision = accorder(directeur, d)
    depot = date(2026, 1, 15)
    Demande.objects.filter(pk=d.pk).update(date_depot=depot)
    Decision.objects.filter(pk=decision.pk).update(
        decide_le=datetime(2026, 1, 15, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))
    )
    c = chiffres_instruction(depot, depot)
    assert c["par_etat"]["accordee"].valeur == 1
    assert c["delai_moyen_de_decision_jours"].valeur == 0


def test_anonymisation_efface_objet_et_lettres_garde_les_montants(ts, directeur, jeune, reglement):
    from droits.instruction.models import Lettre
    from habitants.conservation import anonymiser_habitant

    d = demande_facultative(ts, jeune, reglement, code="secours_urgence", montant="150")
    accorder(directeur, d, montant="150")
    anonymiser_habitant(habitant=jeune[1], agent=None, motif="test")
    d.refresh_from_db()
    assert d.objet == "(effacé)"
    assert not Lettre.objects.exists()
    assert d.decisions.get().montant == Decimal("150")
