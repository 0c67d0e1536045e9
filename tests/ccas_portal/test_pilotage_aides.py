"""Tableau de bord, « Aides du CCAS » : les chiffres de l'instruction et du budget affichés et
exportés, contre des données construites à la main (mois en cours, deux Maisons des
Habitants), avec la règle des petits effectifs et le masquage secondaire."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal
from ccas_portal.periodes import Periode
from ccas_portal.pilotage import instruction as aides
from ccas_portal.pilotage.indicateurs import Filtres
from droits.instruction import services
from droits.instruction.demo import creer_reglement
from droits.instruction.enums import ModePaiement, NatureDemande, SensDecision
from droits.instruction.models import Budget
from habitants.services import ajouter_membre
from tests.factories import AgentFactory, SiteFactory, foyer, habitant

pytestmark = pytest.mark.django_db
AUJOURD_HUI = timezone.localdate()
ANNEE = AUJOURD_HUI.year
MOIS = Periode.mois(AUJOURD_HUI)


class Monde:
    pass


def _foyer_avec(ts, age: int, nom: str):
    f = foyer(ts)
    h = habitant(ts, nom_usage=nom, prenoms="Sam", date_naissance=date(ANNEE - age, 1, 1))
    ajouter_membre(agent=ts, foyer=f, habitant=h, role="demandeur", date_debut=date(2020, 1, 1))
    return f, h


@pytest.fixture
def monde(referentiels):
    """Maison A : 5 foyers de jeunes de 22 ans, aide énergie de 200 € accordée (2 payées),
    5 foyers de 40 ans, aide énergie de 150 € en instruction ; Maison B : 1 foyer de 80 ans,
    dossier d'aide sociale légale. Budget énergie de la Maison A : 1 000 € (consommé à 100 %)."""
    m = Monde()
    m.a = SiteFactory(code="mdh-a", nom="Maison A")
    m.b = SiteFactory(code="mdh-b", nom="Maison B")
    ts_a = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[m.a])
    ts_b = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[m.b])
    m.responsable = AgentFactory(role=Role.RESPONSABLE, sites=[m.a, m.b])
    finances = AgentFactory(role=Role.FINANCES, sites=[m.a])
    reglement = creer_reglement(date_effet=date(2020, 1, 1), annee=ANNEE)
    Budget.objects.create(annee=ANNEE, code_type="energie", site=m.a, vote=Decimal("1000"))
    energie = reglement.types.get(code="energie")
    seance = services.creer_seance(agent=m.responsable, date=AUJOURD_HUI, membres="Mme X")

    def demande(ts, f, h, montant):
        return services.creer_demande(
            agent=ts,
            foyer=f,
            beneficiaire=h,
            nature=NatureDemande.FACULTATIVE,
            type_aide=energie,
            montant_demande=Decimal(montant),
            objet="Facture",
        )

    for i in range(5):
        f, h = _foyer_avec(ts_a, 22, f"Jeune{i}")
        d = services.presenter_en_commission(agent=ts_a, demande=demande(ts_a, f, h, "200"))
        decision = services.decider(
            agent=m.responsable,
            demande=d,
            seance=seance,
            sens=SensDecision.ACCORDEE,
            montant=Decimal("200"),
            mode_paiement=ModePaiement.CREANCIER,
        )
        if i < 2:
            services.enregistrer_paiement(
                agent=finances,
                decision=decision,
                montant=Decimal("200"),
                mode=ModePaiement.CREANCIER,
                destinataire="Fournisseur",
                date_paiement=AUJOURD_HUI,
                reference=f"M-{i}",
            )
    for i in range(5):
        f, h = _foyer_avec(ts_a, 40, f"Adulte{i}")
        demande(ts_a, f, h, "150")
    f, h = _foyer_avec(ts_b, 80, "Aine")
    services.creer_demande(
        agent=ts_b,
        foyer=f,
        beneficiaire=h,
        nature=NatureDemande.AIDE_SOCIALE_LEGALE,
        dispositif="ash",
        objet="Entrée en EHPAD",
    )
    return m


def _lignes(tableau) -> dict[str, list[str]]:
    return {libelle: [str(c) for c in chiffres] for libelle, chiffres in tableau.lignes}


def _tableaux(**kw) -> dict:
    return {t.code: t.proteger() for t in aides.tableaux(Filtres(MOIS, **kw))}


def test_chiffres_de_tous_les_sites(monde):
    t = _tableaux()
    # Le dossier d'aide sociale légale (1 foyer) est masqué ; les aides facultatives (10
    # foyers) aussi, sinon il se déduirait du total.
    assert _lignes(t["aides_par_type"]) == {
        "Aide facultative du CCAS": ["secret"],
        "Aide sociale légale (dossier pour le Département)": ["< 5"],
        "Demande de logement social (accompagnement)": ["0"],
    }
    etats = _lignes(t["aides_par_etat"])
    # 3 accordées, 2 payées (entièrement) : deux chiffres masqués, aucun ne se déduit seul.
    assert (etats["Accordée"], etats["Payée"], etats["En instruction"]) == (
        ["< 5"],
        ["< 5"],
        ["6"],
    )
    assert _lignes(t["aides_par_type_d_aide"]) == {
        "Aide énergie (fournisseur)": [
            "10",
            "1\u202f750,00\u00a0€",
            "1\u202f000,00\u00a0€",
            "masqué : moins de 5 foyers",  # payé à 2 foyers
        ]
    }
    sites = _lignes(t["aides_par_site"])
    assert (sites["Maison A"], sites["Maison B"]) == (["secret"], ["< 5"])
    axes = _lignes(t["aides_par_axe"])
    assert axes["Logement et hébergement"] == ["secret"]
    assert axes["Sans axe (aide sociale légale, logement social)"] == ["< 5"]
    ages = _lignes(t["aides_par_age"])
    assert ages["75 ans et plus"] == ["< 5"]
    assert sorted([ages["Moins de 25 ans"][0], ages["25 à 59 ans"][0]]) == ["5", "secret"]
    assert _lignes(t["aides_montants"]) == {
        "Montant demandé": ["1\u202f750,00\u00a0€"],
        "Montant accordé": ["1\u202f000,00\u00a0€"],
        "Montant payé": ["masqué : moins de 5 foyers"],
        "Délai moyen entre le dépôt et la décision": ["0\u00a0jour"],
        "Part du montant accordé aux jeunes adultes de 18 à 25 ans (%)": ["100"],
    }


def test_filtre_de_site(monde):
    t = _tableaux(sites=(monde.a.pk,))
    assert _lignes(t["aides_par_type"])["Aide facultative du CCAS"] == ["10"]
    assert _lignes(t["aides_par_site"]) == {"Maison A": ["10"]}
    ages = _lignes(t["aides_par_age"])
    assert (ages["Moins de 25 ans"], ages["25 à 59 ans"]) == (["5"], ["5"])
    assert _lignes(t["aides_par_axe"])["Logement et hébergement"] == ["10"]
    t = _tableaux(sites=(monde.b.pk,))
    assert _lignes(t["aides_par_type_d_aide"]) == {}
    assert _lignes(t["aides_montants"])["Montant accordé"] == ["0,00\u00a0€"]


def test_budget_par_type_avec_alerte_et_petits_effectifs(monde):
    budgets = _lignes(_tableaux()["aides_budgets"])
    # Maison A, énergie : 1 000 € votés, 5 × 200 € accordés (5 foyers), 400 € payés à 2 foyers.
    ligne = "Aide énergie (fournisseur) — Maison A — alerte : 100 % consommés"
    assert budgets[ligne] == [
        "1\u202f000,00\u00a0€",
        "masqué : moins de 5 foyers",  # engagé = accordé − payé : dirait le payé
        "masqué : moins de 5 foyers",
        "0,00\u00a0€",
        "100",
    ]
    # Le budget énergie de tout le CCAS ne compte pas la Maison A, dotée du sien.
    assert budgets["Aide énergie (fournisseur) — tout le CCAS"] == [
        "12\u202f000,00\u00a0€",
        "0,00\u00a0€",
        "0,00\u00a0€",
        "12\u202f000,00\u00a0€",
        "0",
    ]
    assert len(budgets) == 7
    # Filtre sur la Maison B : les budgets de tout le CCAS, pas celui de la Maison A.
    budgets_b = _lignes(_tableaux(sites=(monde.b.pk,))["aides_budgets"])
    assert len(budgets_b) == 6
    assert not any("Maison A" in libelle for libelle in budgets_b)


def test_alerte_masquee_avec_son_pourcentage_sous_5_foyers(monde):
    Budget.objects.filter(site=monde.a).update(vote=Decimal("1050"))
    budgets = _lignes(_tableaux()["aides_budgets"])
    assert budgets["Aide énergie (fournisseur) — Maison A — alerte : 95 % consommés"][4] == "95"
    # Un seul foyer aidé : plus d'alerte écrite, part masquée.
    from droits.instruction.models import Decision, Paiement

    Paiement.objects.all().delete()
    Decision.objects.filter(demande__site=monde.a).exclude(
        pk=Decision.objects.filter(demande__site=monde.a).order_by("pk").values("pk")[:1]
    ).delete()
    budgets = _lignes(_tableaux()["aides_budgets"])
    assert budgets["Aide énergie (fournisseur) — Maison A"][3:] == [
        "masqué : moins de 5 foyers",
        "< 5",
    ]


def test_affiches_sur_le_tableau_de_bord_et_exportes(client, monde):
    import openpyxl

    client.force_login(monde.responsable)
    page = client.get(reverse("tableau_de_bord")).content.decode()
    assert "Aides du CCAS : budget" in page
    assert "alerte : 100 % consommés" in page
    assert "Aides du CCAS : aides facultatives par type d&#x27;aide" in page
    assert reverse("export_tableau", args=["aides_budgets", "csv"]) in page

    reponse = client.get(reverse("export_tableau", args=["aides_par_type_d_aide", "csv"]))
    assert reponse.status_code == 200
    lignes = list(csv.reader(io.StringIO(reponse.content.decode("utf-8-sig")), delimiter=";"))
    assert lignes[0] == ["Tableau", "Aides du CCAS : aides facultatives par type d'aide"]
    assert [
        "Aide énergie (fournisseur)",
        "10",
        "1750,00",
        "1000,00",
        "masqué : moins de 5 foyers",
    ] in lignes
    assert EntreeJournal.objects.get(action="export").objet_id == "ensemble/aides_par_type_d_aide"

    reponse = client.get(reverse("export_tableau", args=["aides_budgets", "xlsx"]))
    classeur = openpyxl.load_workbook(io.BytesIO(reponse.content))
    valeurs = {
        ligne[0]: ligne[1:]
        for ligne in ([c.value for c in r] for r in classeur.active.iter_rows())
        if ligne and ligne[0]
    }
    assert valeurs["Aide énergie (fournisseur) — Maison A — alerte : 100 % consommés"] == (
        [1000, "masqué : moins de 5 foyers", "masqué : moins de 5 foyers", 0, 100]
    )
    assert valeurs["Aide alimentaire (bons) — tout le CCAS"] == [15000, 0, 0, 15000, 0]


def test_export_cellule_sure(monde, client):
    """Un intitulé de type d'aide qui commence par « = » ne devient pas une formule."""
    from droits.instruction.models import TypeAide

    TypeAide.objects.filter(code="energie").update(libelle="=HYPERLINK(1)")
    client.force_login(monde.responsable)
    reponse = client.get(reverse("export_tableau", args=["aides_par_type_d_aide", "csv"]))
    texte = reponse.content.decode("utf-8-sig")
    assert "\n=HYPERLINK" not in texte
    assert "'=HYPERLINK(1)" in texte


def test_budgets_lus_en_trois_requetes_comme_budget_par_budget(monde, django_assert_num_queries):
    """Les chiffres de tous les budgets de l'année (tableau de bord, page des paiements) en
    trois requêtes quel que soit le nombre de budgets ; ceux d'un budget lu seul (la décision
    d'une aide) sont les mêmes. Un budget de site retire ses décisions de celui de tout le
    CCAS."""
    from droits.instruction import budget as module_budget

    def compares():
        budgets = Budget.objects.filter(annee=ANNEE).select_related("site")
        with django_assert_num_queries(3):
            lus = module_budget.chiffres_des_budgets(ANNEE, budgets)
        assert len(lus) == budgets.count()
        return {(lu.chiffres.budget.code_type, lu.chiffres.budget.site_id): lu for lu in lus}

    avant = compares()
    du_site = avant[("energie", monde.a.pk)]
    assert (du_site.chiffres.accorde, du_site.chiffres.paye) == (Decimal("1000"), Decimal("400"))
    assert (du_site.aides, du_site.payes) == (5, 2)
    seul = module_budget.chiffres(du_site.chiffres.budget)
    assert (seul.accorde, seul.paye) == (Decimal("1000"), Decimal("400"))
    assert avant[("energie", None)].chiffres.accorde == 0
    assert module_budget.chiffres(avant[("energie", None)].chiffres.budget).accorde == 0
    # Le budget de la Maison A retiré : ses décisions comptent dans celui de tout le CCAS.
    Budget.objects.filter(site=monde.a).delete()
    apres = compares()
    assert apres[("energie", None)].chiffres.accorde == Decimal("1000")
    assert apres[("energie", None)].chiffres.paye == Decimal("400")
    # Plus de budgets : toujours trois requêtes.
    for code in ("energie", "aide_alimentaire", "secours_urgence"):
        Budget.objects.create(annee=ANNEE, code_type=code, site=monde.b, vote=Decimal("500"))
    compares()
