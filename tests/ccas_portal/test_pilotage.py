"""Tableau de bord : chaque indicateur contre des données comptées à la main (mars 2026, deux
Maisons des Habitants), bornes de période à l'heure de Paris, petits effectifs masqués,
exports, périmètre d'un responsable de site, nombre de requêtes constant."""

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accompagnement.models import (
    Accompagnement,
    ActionCollective,
    Intervention,
    Orientation,
    Seance,
)
from ccas_portal.enums import Role, TypeSite
from ccas_portal.models import EntreeJournal, Partenaire
from ccas_portal.periodes import Periode
from ccas_portal.petits_effectifs import LEGENDE, Chiffre, compte, proteger_grille
from ccas_portal.pilotage import indicateurs as ind
from ccas_portal.pilotage.tableaux import Tableau
from droits.axes import AXES
from droits.models import ChangementSignalement, Prestation, Signalement
from habitants.models import MembreFoyer, Motif, Passage
from tests.connexion import ClientPortail
from tests.factories import AgentFactory, SiteFactory, foyer, habitant

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
MARS = Periode.mois(date(2026, 3, 1))


def a_paris(jour: date, heure: int, minute: int = 0) -> datetime:
    return datetime.combine(jour, time(heure, minute), tzinfo=PARIS)


class Monde:
    """Les données comptées à la main, gardées pour les assertions."""


@pytest.fixture
def monde(referentiels):
    m = Monde()
    m.a = SiteFactory(code="mdh-a", nom="Maison A")
    m.b = SiteFactory(code="mdh-b", nom="Maison B")
    m.direction = SiteFactory(code="dir-x", nom="Direction", type=TypeSite.SERVICE_CENTRAL)
    m.ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[m.a, m.b])
    m.responsable = AgentFactory(role=Role.RESPONSABLE, sites=[m.direction])
    m.responsable_a = AgentFactory(role=Role.RESPONSABLE, sites=[m.a])
    naissances = {  # âges au 31/03/2026
        "Inès": date(2006, 1, 1),  # 20 ans
        "Noé": date(2004, 5, 1),  # 21 ans
        "Léa": date(1986, 1, 1),  # 40 ans
        "Marc": date(1981, 1, 1),  # 45 ans
        "Rose": date(1956, 1, 1),  # 70 ans
        "Jean": date(1946, 1, 1),  # 80 ans
    }
    m.personnes, m.foyers = {}, {}
    for prenom, naissance in naissances.items():
        h = habitant(m.ts, site=m.a, prenoms=prenom, nom_usage="Durand", date_naissance=naissance)
        f = foyer(m.ts, site=m.a)
        MembreFoyer.objects.create(
            foyer=f, habitant=h, role="demandeur", date_debut=date(2020, 1, 1)
        )
        m.personnes[prenom], m.foyers[prenom] = h, f
    m.paul = habitant(
        m.ts, site=m.b, prenoms="Paul", nom_usage="Bernardin", date_naissance=date(1990, 1, 1)
    )
    m.foyer_b = foyer(m.ts, site=m.b)
    MembreFoyer.objects.create(
        foyer=m.foyer_b, habitant=m.paul, role="demandeur", date_debut=date(2020, 1, 1)
    )

    logement = Motif.objects.filter(axe_id="logement").first()
    sante = Motif.objects.filter(axe_id="sante").first()

    def passage(site, quand, personne=None, motif=logement):
        p = Passage.objects.create(
            site=site,
            agent=m.ts,
            date_heure=quand,
            habitant=personne,
            mode="physique",
            reponse="information",
        )
        p.motifs.add(motif)
        return p

    # Mars à la Maison A : 6 personnes (Inès deux fois) + 2 anonymes = 9 passages.
    for h in m.personnes.values():
        passage(m.a, a_paris(date(2026, 3, 10), 10), h)
    passage(m.a, a_paris(date(2026, 3, 1), 0, 10), m.personnes["Inès"], sante)  # 28/02 23 h 10 UTC
    passage(m.a, a_paris(date(2026, 3, 31), 23, 30))  # 31/03 21 h 30 UTC : encore mars à Paris
    passage(m.a, a_paris(date(2026, 3, 15), 9), None, sante)
    # Hors période : 1er avril 0 h 15 à Paris (encore le 31 mars en UTC), et février.
    passage(m.a, a_paris(date(2026, 4, 1), 0, 15), m.personnes["Léa"])
    passage(m.a, a_paris(date(2026, 2, 28), 23, 50), m.personnes["Léa"])
    # Maison B : un seul passage en mars (Paul).
    passage(m.b, a_paris(date(2026, 3, 12), 14), m.paul)
    # Un an avant (mars 2025) : 5 passages à la Maison A.
    for h in list(m.personnes.values())[:5]:
        passage(m.a, a_paris(date(2025, 3, 5), 11), h)

    # Accompagnements « logement » à la Maison A.
    def accompagnement(prenom, ouvert, clos=None, motif="", axe="logement", faits=None):
        a = Accompagnement.objects.create(
            foyer=m.foyers[prenom],
            axe_id=axe,
            referent=m.ts,
            statut="clos" if clos else "en_cours",
            date_ouverture=ouvert,
            date_cloture=clos,
            motif_cloture=motif,
            faits=faits or {},
        )
        a.membres.add(m.personnes[prenom])
        return a

    m.acc = {
        "Inès": accompagnement(
            "Inès", date(2026, 3, 2), faits={"numero_demande_logement_social": "038-1"}
        ),
        "Noé": accompagnement("Noé", date(2026, 3, 20)),
        "Léa": accompagnement(
            "Léa", date(2026, 3, 31), faits={"numero_demande_logement_social": "038-2"}
        ),
        "Marc": accompagnement("Marc", date(2025, 6, 1)),
        "Rose": accompagnement("Rose", date(2025, 9, 1), date(2026, 3, 15), "objectifs_atteints"),
        "Jean": accompagnement(
            "Jean", date(2025, 1, 1), date(2026, 2, 27), "demenagement"
        ),  # clos avant
    }
    accompagnement("Jean", date(2026, 3, 5), axe="bien_vieillir", faits={"aide_domicile": True})
    # Ouverts, actifs, clos en mars (logement) : 3, 5 (Inès, Noé, Léa, Marc, Rose), 1.

    # Interventions de mars : 5 entretiens (30 min) sur 5 foyers, 2 appels (10 min) ; une en avril.
    for prenom in ("Inès", "Noé", "Léa", "Marc", "Rose"):
        Intervention.objects.create(
            accompagnement=m.acc[prenom],
            type="entretien_bureau",
            date=date(2026, 3, 25),
            duree_minutes=30,
            auteur=m.ts,
        )
    for jour in (3, 31):
        Intervention.objects.create(
            accompagnement=m.acc["Inès"],
            type="appel",
            date=date(2026, 3, jour),
            duree_minutes=10,
            auteur=m.ts,
        )
    Intervention.objects.create(
        accompagnement=m.acc["Inès"],
        type="appel",
        date=date(2026, 4, 1),
        duree_minutes=10,
        auteur=m.ts,
    )

    # Orientations : 5 vers la CAF acceptées (5 foyers), 1 vers la CPAM envoyée.
    caf, cpam = Partenaire.objects.order_by("pk")[:2]
    m.caf, m.cpam = caf, cpam
    for prenom in ("Inès", "Noé", "Léa", "Marc", "Rose"):
        Orientation.objects.create(
            accompagnement=m.acc[prenom],
            partenaire=caf,
            motif="Dossier",
            date=date(2026, 3, 26),
            statut="acceptee",
            auteur=m.ts,
        )
    Orientation.objects.create(
        accompagnement=m.acc["Inès"],
        partenaire=cpam,
        motif="CSS",
        date=date(2026, 3, 27),
        statut="envoyee",
        auteur=m.ts,
    )

    # Séances : 2 en mars à la Maison A, 4 inscrits distincts + 3 non inscrits = 7 participations.
    action = ActionCollective.objects.create(
        titre="Atelier budget", type="atelier", site=m.a, date_debut=date(2026, 1, 1), cree_par=m.ts
    )
    for jour, inscrits, anonymes in ((4, ["Inès", "Noé", "Léa"], 2), (18, ["Inès", "Marc"], 1)):
        s = Seance.objects.create(
            action=action,
            date=date(2026, 3, jour),
            site=m.a,
            theme="Budget",
            participants_anonymes=anonymes,
            auteur=m.ts,
        )
        s.participants.add(*(m.personnes[p] for p in inscrits))

    # Non-recours : 6 signalements repérés en mars (6 foyers) ; 5 contactés puis 5 demandes ;
    # 5 droits ouverts (montants 100 + 200 + 300 + 400 + 500,50) ; le 6e refusé.
    m.signalements = []
    for i, prenom in enumerate(m.personnes):
        s = Signalement.objects.create(
            foyer=m.foyers[prenom],
            prestation_id="rsa" if i % 2 else "aide_logement",
            montant_estime=Decimal("100") * (i + 1) + (Decimal("0.50") if i == 4 else 0),
            empreinte="e",
        )
        Signalement.objects.filter(pk=s.pk).update(cree_le=a_paris(date(2026, 3, 3), 2))
        m.signalements.append(s)
    for s in m.signalements[:5]:
        for etat, jour in (("contacte", 5), ("demande_deposee", 10), ("droit_ouvert", 20)):
            c = ChangementSignalement.objects.create(
                signalement=s, ancien="", nouveau=etat, agent=m.ts
            )
            ChangementSignalement.objects.filter(pk=c.pk).update(
                le=a_paris(date(2026, 3, jour), 12)
            )
    c = ChangementSignalement.objects.create(
        signalement=m.signalements[5], nouveau="refus_personne", agent=m.ts
    )
    ChangementSignalement.objects.filter(pk=c.pk).update(le=a_paris(date(2026, 3, 6), 12))
    return m


def filtres(**kw):
    return ind.Filtres(kw.pop("periode", MARS), **kw)


def test_passages_personnes_et_foyers_recus_bornes_a_l_heure_de_paris(monde):
    cles = ind.chiffres_cles(filtres())
    assert (cles["passages"].valeur, cles["passages_anonymes"].valeur) == (10, 2)
    assert (cles["personnes_vues"].valeur, cles["foyers_vus"].valeur) == (7, 7)
    # Le passage de 0 h 15 le 1er avril (heure de Paris) compte en avril.
    avril = ind.chiffres_cles(filtres(periode=Periode.mois(date(2026, 4, 1))))
    assert avril["passages"].valeur == 1
    fevrier = ind.chiffres_cles(filtres(periode=Periode.mois(date(2026, 2, 1))))
    assert fevrier["passages"].valeur == 1  # 28/02 23 h 50, pas le 1er mars 0 h 10
    # Par site, par axe (motifs du passage).
    assert ind.chiffres_cles(filtres(sites=(monde.a.pk,)))["passages"].valeur == 9
    assert ind.chiffres_cles(filtres(axes=("sante",)))["passages"].valeur == 2


def test_accompagnements_ouverts_actifs_clos_et_motifs(monde):
    cles = ind.chiffres_cles(filtres(axes=("logement",)))
    assert (
        cles["accompagnements_ouverts"].valeur,
        cles["accompagnements_actifs"].valeur,
        cles["accompagnements_clos"].valeur,
    ) == (3, 5, 1)
    par_axe = dict(ind.accompagnements_par_axe(filtres()).lignes)
    assert [c.valeur for c in par_axe["Logement et hébergement"]] == [3, 5, 1]
    assert [c.valeur for c in par_axe["Bien vieillir"]] == [1, 1, 0]
    motifs = dict(ind.motifs_de_cloture(filtres()).lignes)
    assert motifs["Objectifs atteints"][0].valeur == 1
    assert motifs["Déménagement"][0].valeur == 0  # clos en février


def test_interventions_par_type_et_temps(monde):
    cles = ind.chiffres_cles(filtres())
    assert cles["interventions"].valeur == 7
    assert cles["heures_interventions"].valeur == pytest.approx(170 / 60)
    lignes = dict(ind.interventions_par_type(filtres()).lignes)
    entretiens, appels = lignes["Entretien au bureau"], lignes["Appel téléphonique"]
    assert (entretiens[0].valeur, entretiens[0].effectif, entretiens[1].valeur) == (5, 5, 2.5)
    assert (appels[0].valeur, appels[0].effectif) == (2, 1)
    assert str(appels[0]) == "< 5"  # deux appels, mais pour un seul foyer


def test_orientations_par_partenaire_et_suite(monde):
    t = ind.orientations_par_partenaire(filtres())
    colonnes = t.colonnes
    lignes = dict(t.lignes)
    caf = dict(zip(colonnes, lignes[monde.caf.nom], strict=True))
    assert (caf["Acceptée"].valeur, caf["Envoyée"].valeur) == (5, 0)
    cpam = dict(zip(colonnes, lignes[monde.cpam.nom], strict=True))
    assert cpam["Envoyée"].valeur == 1


def test_actions_collectives(monde):
    cles = ind.chiffres_cles(filtres())
    assert (cles["seances"].valeur, cles["participants"].valeur) == (2, 7)
    assert ind.chiffres_cles(filtres(axes=("logement",)))["seances"].valeur == 0


def test_chaine_du_non_recours_et_montant_de_droits_ouverts(monde):
    cles = ind.chiffres_cles(filtres())
    assert [
        cles[c].valeur for c in ("detectes", "traites", "demandes", "droits_ouverts", "refus")
    ] == [
        6,
        6,
        5,
        5,
        1,
    ]
    assert cles["montant_droits_ouverts"].valeur == Decimal("1500.50")
    assert str(cles["montant_droits_ouverts"]) == "1\u202f500,50\xa0€"
    libelles = dict(Prestation.objects.values_list("code", "libelle"))
    par_prestation = dict(ind.non_recours_par_prestation(filtres()).lignes)
    rsa, logement = par_prestation[libelles["rsa"]], par_prestation[libelles["aide_logement"]]
    assert [c.valeur for c in rsa] == [3, 2, Decimal("600")]  # Noé 200, Marc 400 ouverts
    assert [c.valeur for c in logement] == [3, 3, Decimal("900.50")]


def test_tranches_d_age_a_la_fin_de_la_periode(monde):
    lignes = dict(ind.par_tranche_d_age(filtres()).lignes)
    assert lignes["Moins de 25 ans"][1].valeur == 2  # Inès (20 ans), Noé (21 ans)
    assert lignes["25 à 59 ans"][1].valeur == 3  # Léa, Marc, Paul
    assert lignes["60 à 74 ans"][1].valeur == 1
    assert lignes["75 ans et plus"][1].valeur == 1
    assert lignes["Anonyme ou âge inconnu"][0].valeur == 2
    assert lignes["Moins de 25 ans"][0].valeur == 3  # Inès est venue deux fois


def test_tendances_mois_par_mois_et_comparaison_un_an_avant(monde):
    t = ind.tendances(filtres())
    assert len(t.lignes) == 12
    assert t.lignes[-1][0] == "mars 2026"
    mois = dict(t.lignes)
    assert mois["mars 2026"][0].valeur == 10
    assert mois["février 2026"][0].valeur == 1
    assert mois["avril 2025"][0].valeur == 0
    comparaison = dict(ind.comparaison(filtres(), ind.chiffres_cles(filtres())).lignes)
    assert [c.valeur for c in comparaison["Passages à l'accueil"]] == [10, 5]


def test_petits_effectifs_masques():
    assert str(Chiffre(4, 4)) == "< 5"
    assert str(compte(5)) == "5"
    assert str(compte(1234)) == "1\u202f234"
    assert compte(4).nombre is None  # ni tracé ni exporté en clair
    # Un nombre non nul sans effectif connu reste masqué (prudence).
    assert str(Chiffre(2, 0)) == "< 5"


def test_zero_affiche_zero():
    """Zéro, personne derrière : affiché 0, tracé 0, exporté 0 (pas « < 5 »)."""
    assert str(compte(0)) == "0"
    assert compte(0).nombre == 0
    assert not compte(0).masque
    assert str(Chiffre(Decimal(0), 0, "€")) == "0,00\xa0€"
    assert str(Chiffre(0 / 60, 0, "h")) == "0,0\xa0h"


def test_montants_et_durees_masques_pour_leur_effectif_de_foyers():
    """12,50 € pour 3 foyers : « masqué : moins de 5 foyers », pas « < 5 » (moins de 5 €) ;
    5 000 € pour 3 foyers aussi ; 3 € pour 12 foyers : affiché."""
    assert str(Chiffre(Decimal("12.5"), 3, "€")) == "masqué : moins de 5 foyers"
    assert str(Chiffre(Decimal("5000"), 3, "€")) == "masqué : moins de 5 foyers"
    assert str(Chiffre(Decimal("3"), 12, "€")) == "3,00\xa0€"
    assert str(Chiffre(250 / 60, 2, "h")) == "masqué : moins de 5 foyers"
    assert str(Chiffre(1.5, 6, "h")) == "1,5\xa0h"
    assert "masqué : moins de 5 foyers" in LEGENDE


def test_zero_et_montants_sur_la_page_et_dans_l_export(client, monde):
    """Mars 2026, Maison B seule : 0 intervention (affiché 0) ; avril, tous sites : un appel
    de 10 minutes pour un foyer, le temps est « masqué : moins de 5 foyers »."""
    reponse = _page(
        client, monde.responsable, reverse("tableau_de_bord"), **PARAMS_MARS, sites=monde.b.pk
    )
    cles = reponse.context["page"].cles
    assert str(cles["interventions"]) == "0"
    assert str(cles["montant_droits_ouverts"]) == "0,00\xa0€"
    avril = {"periode": "mois", "annee": "2026", "mois": "4"}
    reponse = _page(client, monde.responsable, reverse("tableau_de_bord"), **avril)
    comparaison = dict(reponse.context["page"].tableau("comparaison").lignes)
    assert str(comparaison["Temps d'intervention"][0]) == "masqué : moins de 5 foyers"
    assert str(comparaison["Orientations vers un partenaire"][0]) == "0"
    html = reponse.content.decode()
    assert "masqué : moins de 5 foyers" in html
    url = reverse("export_tableau", args=["comparaison", "csv"])
    contenu = _page(client, monde.responsable, url, **avril).content.decode("utf-8-sig")
    assert "Temps d'intervention;masqué : moins de 5 foyers;0,0" in contenu
    assert "Orientations vers un partenaire;0;0" in contenu


def test_indicateurs_declares_par_l_axe(monde):
    lignes = dict(ind.indicateurs_de_l_axe(filtres(), "logement").lignes)
    assert lignes["Demandes de logement social suivies"][0].valeur == 2
    assert lignes["Accès à un logement (accompagnements clos, objectifs atteints)"][0].valeur == 1
    vieillir = dict(ind.indicateurs_de_l_axe(filtres(), "bien_vieillir").lignes)
    assert vieillir["Aides à domicile mises en place"][0].valeur == 1
    participation = dict(ind.indicateurs_de_l_axe(filtres(), "participation").lignes)
    assert participation["Participations aux actions collectives"][0].valeur == 7


def _page(client, agent, url, **params):
    client.force_login(agent)
    return client.get(url, params)


PARAMS_MARS = {"periode": "mois", "annee": "2026", "mois": "3"}


def test_page_d_ensemble_sans_nom_et_masquee(client, monde):
    reponse = _page(client, monde.responsable, reverse("tableau_de_bord"), **PARAMS_MARS)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "mars 2026" in html
    for nom in ("Inès", "Durand", "Paul", "Bernardin", "038-1"):
        assert nom not in html
    assert "&lt; 5" in html
    assert 'data-graphique="donnees-tendances"' in html
    assert 'id="donnees-tendances"' in html


def test_acces_reserve_aux_responsables(client, monde):
    for agent in (monde.ts, AgentFactory(role=Role.ACCUEIL, sites=[monde.a])):
        assert _page(client, agent, reverse("tableau_de_bord")).status_code == 403
        assert client.post(reverse("recalculer_tableau_de_bord")).status_code == 403
        assert (
            _page(client, agent, reverse("export_tableau", args=["par_site", "csv"])).status_code
            == 403
        )


def test_un_responsable_de_site_ne_voit_que_son_site(client, monde):
    reponse = _page(client, monde.responsable_a, reverse("tableau_de_bord"), **PARAMS_MARS)
    tableaux = {t.code: t for t in reponse.context["tableaux"]}
    assert [libelle for libelle, _ in tableaux["par_site"].lignes] == ["Maison A"]
    assert reponse.context["filtres"].sites_effectifs == (monde.a.pk,)
    # Demander la Maison B : refusé (choix invalide), rien de B n'apparaît.
    reponse = _page(
        client, monde.responsable_a, reverse("tableau_de_bord"), **PARAMS_MARS, sites=monde.b.pk
    )
    assert reponse.context["form"].errors
    assert "Maison B" not in reponse.content.decode()
    # Le responsable rattaché à la direction voit les deux.
    reponse = _page(client, monde.responsable, reverse("tableau_de_bord"), **PARAMS_MARS)
    par_site = next(t for t in reponse.context["tableaux"] if t.code == "par_site")
    assert [libelle for libelle, _ in par_site.lignes] == ["Maison A", "Maison B"]


def test_filtres_invalides_en_francais(client, monde):
    reponse = _page(
        client,
        monde.responsable,
        reverse("tableau_de_bord"),
        periode="dates",
        du="2026-03-10",
        au="2026-03-01",
    )
    assert "La date de fin précède la date de début." in reponse.content.decode()


def test_export_csv_avec_filtres_masque_et_journalise(client, monde):
    url = reverse("export_tableau", args=["par_site", "csv"])
    reponse = _page(client, monde.responsable, url, **PARAMS_MARS, sites=[monde.a.pk, monde.b.pk])
    assert reponse.status_code == 200
    nom = reponse["Content-Disposition"]
    assert "2026-03-01_2026-03-31" in nom
    assert "mdh-a-mdh-b" in nom
    lignes = list(csv.reader(io.StringIO(reponse.content.decode("utf-8-sig")), delimiter=";"))
    assert lignes[0] == ["Tableau", "Par site"]
    assert lignes[1][0] == "Période"
    assert "mars 2026" in lignes[1][1]
    assert lignes[2] == ["Sites", "Maison A, Maison B"]
    donnees = {
        ligne[0]: ligne[1:]
        for ligne in lignes[lignes.index(["", *ind.par_site(filtres()).colonnes]) + 1 :]
    }
    # Maison B : 1 passage (« < 5 ») ; Maison A : 9, mais 10 − 9 donnerait celui de B.
    assert donnees["Maison B"][0] == "< 5"
    assert donnees["Maison A"][0] == "secret"
    assert ["Secret statistique", LEGENDE] in lignes[:6]
    entree = EntreeJournal.objects.get(action="export")
    assert entree.agent == monde.responsable
    assert entree.details["fichier"] in nom
    assert "mars 2026" in entree.details["Période"]


def test_export_xlsx(client, monde):
    import openpyxl

    url = reverse("export_tableau_axe", args=["logement", "indicateurs_axe", "xlsx"])
    reponse = _page(client, monde.responsable, url, **PARAMS_MARS)
    assert reponse.status_code == 200
    classeur = openpyxl.load_workbook(io.BytesIO(reponse.content))
    valeurs = [[c.value for c in ligne] for ligne in classeur.active.iter_rows()]
    assert valeurs[0] == ["Tableau", "Indicateurs de l'axe « Logement et hébergement »"]
    lignes = {v[0]: v[1] for v in valeurs if v and v[0]}
    assert lignes["Demandes de logement social suivies"] == "< 5"
    assert "ccas_axe-logement_indicateurs_axe_2026-03-01" in reponse["Content-Disposition"]


def test_nombre_de_requetes_constant(monde, django_assert_num_queries):
    """Le calcul d'une page : un nombre de requêtes épinglé, qui ne dépend pas du volume (la
    période et la même un an avant dans les mêmes requêtes ; un site choisi : sa ligne « par
    site » vient des chiffres clés ; interventions, signalements et changements d'état lus
    une fois par page, dans les agrégats mensuels et sur les bords ; de même les passages,
    dont les foyers reçus et les tranches d'âge sont déduits). Avant : 42 requêtes pour la
    vue d'ensemble, 36 pour un axe ; puis 33 et 27 avant les agrégats mensuels, 29 et 23
    avant ceux des passages ; l'entonnoir du non-recours en ajoute 4 (étapes par prestation,
    intitulés, toutes prestations, délais), inchangées quand ses foyers distincts sont comptés
    par un groupement par foyer et ses trois calculs menés en même temps que le reste ; 3
    depuis qu'il est lu dans les agrégats de sa cohorte (mois agrégés, cellules — ou lignes
    des jours non agrégés —, intitulés : docs/adr/0033), d'où 32/31/26/25 → 31/30/25/24 ; les
    Aides du CCAS (vue d'ensemble) en ajoutent 20, constantes quel que soit le nombre de
    demandes et de budgets (les budgets de l'année lus en trois requêtes :
    tests/ccas_portal/test_pilotage_aides.py)."""
    from ccas_portal.pilotage.agregats import agreger
    from ccas_portal.pilotage.instantanes import calculer

    cas = [
        ({}, None, 31 + 20),
        ({"sites": (monde.a.pk,)}, None, 30 + 20),
        ({"axes": ("logement",)}, "logement", 25),
        ({"axes": ("logement",), "sites": (monde.a.pk,)}, "logement", 24),
    ]
    for kw, axe, attendu in cas:
        with django_assert_num_queries(attendu):
            calculer(filtres(**kw), axe)
    # Les mois clos agrégés : lus dans les agrégats plutôt que sur les lignes, autant de
    # requêtes (par source : les mois agrégés, puis leurs agrégats au lieu des lignes).
    agreger()
    for kw, axe, attendu in cas:
        with django_assert_num_queries(attendu):
            calculer(filtres(**kw), axe)
    # Deux fois plus de passages et d'interventions : pas une requête de plus.
    for p in Passage.objects.all():
        p.pk = None
        p.save()
    for i in Intervention.objects.all():
        i.pk = None
        i.save()
    for kw, axe, attendu in cas:
        with django_assert_num_queries(attendu):
            calculer(filtres(**kw), axe)


def test_un_seul_site_par_site_tire_des_chiffres_cles(monde):
    """La ligne « par site » d'un seul site, faite des chiffres clés, est celle que donnent
    les requêtes par site."""
    for sites in ((monde.a.pk,), (monde.b.pk,)):
        f = filtres(sites=sites)
        derivee = ind.par_site(f, ind.chiffres_cles(f))
        requetee = ind.par_site(f)
        assert [(lib, [(c.valeur, c.effectif) for c in ch]) for lib, ch in derivee.lignes] == [
            (lib, [(c.valeur, c.effectif) for c in ch]) for lib, ch in requetee.lignes
        ]
    vide = filtres(sites=(monde.direction.pk,))
    assert ind.par_site(vide, ind.chiffres_cles(vide)).lignes == ind.par_site(vide).lignes == []


def test_chiffres_cles_de_deux_periodes_ensemble_comme_separement(monde):
    """La période et l'année d'avant calculées ensemble donnent les chiffres de chacune."""
    f = filtres()
    avant = MARS.un_an_avant()
    ensemble = ind.chiffres_cles_sur(f, [MARS, avant])
    for chiffres, periode in zip(ensemble, (MARS, avant), strict=True):
        seule = ind.chiffres_cles(f.avec_periode(periode))
        assert {k: (c.valeur, c.effectif) for k, c in chiffres.items()} == {
            k: (c.valeur, c.effectif) for k, c in seule.items()
        }
    assert ensemble[1]["passages"].valeur == 5
    assert ensemble[0]["montant_droits_ouverts"].valeur == Decimal("1500.50")


def test_instantane_relu_puis_recalcule(client, monde, snapshot_requetes, settings):
    from ccas_portal.models import InstantaneTableauDeBord

    client.force_login(monde.responsable)
    url = reverse("tableau_de_bord")
    premiere = client.get(url, PARAMS_MARS)
    assert premiere.context["page"].cles["passages"].valeur == 10
    assert "Chiffres calculés le" in premiere.content.decode()
    # Relu : session, agent, appareil de double authentification (django-otp), sites,
    # instantané… et pas un agrégat.
    with snapshot_requetes():
        client.get(url, PARAMS_MARS)
    # Une donnée nouvelle n'apparaît qu'au recalcul (la page dit de quand datent ses chiffres).
    Passage.objects.create(
        site=monde.a,
        agent=monde.ts,
        date_heure=a_paris(date(2026, 3, 20), 9),
        mode="physique",
        reponse="information",
    )
    assert client.get(url, PARAMS_MARS).context["page"].cles["passages"].valeur == 10
    reponse = client.post(reverse("recalculer_tableau_de_bord"), PARAMS_MARS)
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(url + "?")
    assert "mois=3" in reponse["Location"]
    assert client.get(url, PARAMS_MARS).context["page"].cles["passages"].valeur == 11
    # Trop vieux : recalculé à la demande suivante.
    Passage.objects.create(
        site=monde.a,
        agent=monde.ts,
        date_heure=a_paris(date(2026, 3, 21), 9),
        mode="physique",
        reponse="information",
    )
    InstantaneTableauDeBord.objects.update(
        calcule_le=timezone.now() - timedelta(hours=settings.PILOTAGE_FRAICHEUR_HEURES + 1)
    )
    assert client.get(url, PARAMS_MARS).context["page"].cles["passages"].valeur == 12


@pytest.mark.django_db
def test_la_tache_nocturne_planifiee_est_celle_du_tableau_de_bord():
    """Le planning en base désigne la tâche par son nom : rangée dans ccas_portal/pilotage/,
    elle est découverte par un worker sous ce nom-là."""
    from django_celery_beat.models import PeriodicTask

    from ccas_portal import services
    from ccas_portal.celery import app

    services.planifier_precalcul_tableaux()
    nom = PeriodicTask.objects.get(name=services.NOM_PRECALCUL_TABLEAUX).task
    app.loader.import_default_modules()
    assert app.tasks[nom].__module__ == "ccas_portal.pilotage.tasks"


def test_precalcul_nocturne_des_periodes_courantes(monde):
    from ccas_portal.models import InstantaneTableauDeBord
    from ccas_portal.pilotage.instantanes import periodes_courantes
    from ccas_portal.pilotage.tasks import precalculer_tableaux_de_bord

    vieux = InstantaneTableauDeBord.objects.create(
        cle="x" * 64, page="ensemble", calcule_le=timezone.now() - timedelta(days=8)
    )
    # Deux périmètres : tous les sites, et la Maison A de son responsable de site.
    assert precalculer_tableaux_de_bord() == len(periodes_courantes()) * 8 * 2
    assert not InstantaneTableauDeBord.objects.filter(pk=vieux.pk).exists()
    pages = set(InstantaneTableauDeBord.objects.values_list("page", flat=True))
    assert pages == {"ensemble", *(f"axe-{code}" for code in AXES)}
    assert InstantaneTableauDeBord.objects.count() == 96
    sites = {tuple(i.filtres["sites"]) for i in InstantaneTableauDeBord.objects.all()}
    assert sites == {(), (monde.a.pk,)}


def test_indicateurs_des_autres_axes(monde):
    from droits.models import PrestationFoyer

    def prestation(prenom, code, statut, debut):
        PrestationFoyer.objects.create(
            foyer=monde.foyers[prenom],
            prestation_id=code,
            statut=statut,
            date_debut=debut,
            source="organisme",
            saisi_par=monde.ts,
        )

    prestation("Inès", "aide_facultative_jeunes", "accordee", date(2026, 3, 4))
    prestation("Noé", "aide_facultative_subsistance", "percue", date(2026, 3, 9))
    prestation("Léa", "aide_facultative_subsistance", "refusee", date(2026, 3, 9))  # refusée
    prestation("Marc", "aide_facultative_subsistance", "accordee", date(2026, 4, 2))  # avril
    prestation("Rose", "css_gratuite", "accordee", date(2026, 3, 1))
    prestation("Jean", "css_participation", "demandee", date(2026, 3, 1))  # pas accordée
    for prenom in ("Inès", "Léa"):  # 20 ans et 40 ans
        a = Accompagnement.objects.create(
            foyer=monde.foyers[prenom],
            axe_id="existence",
            referent=monde.ts,
            statut="en_cours",
            date_ouverture=date(2026, 3, 1),
        )
        a.membres.add(monde.personnes[prenom])
    enfance = Accompagnement.objects.create(
        foyer=monde.foyers["Marc"],
        axe_id="petite_enfance",
        referent=monde.ts,
        statut="en_cours",
        date_ouverture=date(2026, 2, 1),
        faits={"mode_accueil_obtenu": True},
    )
    enfance.membres.add(monde.personnes["Marc"])
    droits = Accompagnement.objects.create(
        foyer=monde.foyers["Noé"],
        axe_id="acces_droits",
        referent=monde.ts,
        statut="en_cours",
        date_ouverture=date(2026, 3, 1),
    )
    for type_, jour in (
        ("demarche_administrative", 2),
        ("demarche_administrative", 9),
        ("permanence_juridique", 16),
        ("appel", 17),
    ):
        Intervention.objects.create(
            accompagnement=droits, type=type_, date=date(2026, 3, jour), auteur=monde.ts
        )

    def indicateurs(axe):
        return {
            libelle: c[0].valeur for libelle, c in ind.indicateurs_de_l_axe(filtres(), axe).lignes
        }

    assert indicateurs("existence") == {
        "Aides facultatives accordées": 2,  # Inès, Noé (la refusée et celle d'avril non)
        "Accompagnements de jeunes adultes (18 à 24 ans)": 1,  # Inès, 20 ans
    }
    assert indicateurs("sante") == {"Complémentaires santé solidaires accordées": 1}
    assert indicateurs("petite_enfance") == {"Places d'accueil obtenues": 1}
    assert indicateurs("acces_droits") == {
        "Démarches administratives accompagnées": 2,
        "Permanences de l'équipe juridique mobile": 1,
    }


def test_masquage_secondaire_d_une_repartition():
    """Un seul chiffre masqué dans une colonne : le plus petit autre chiffre l'est aussi."""
    t = Tableau("t", "T", ["Passages", "Personnes"])
    t.ajouter("A", compte(40, 40), compte(30, 30))
    t.ajouter("B", compte(9, 8), compte(7, 7))
    t.ajouter("C", compte(2, 2), compte(6, 6))
    t.ajouter("D", compte(0), compte(3, 3))
    t.proteger()
    passages = [str(chiffres[0]) for _, chiffres in t.lignes]
    personnes = [str(chiffres[1]) for _, chiffres in t.lignes]
    assert passages == ["40", "secret", "< 5", "0"]  # un zéro ne protège rien
    assert personnes == ["30", "7", "secret", "< 5"]
    graphique = t.donnees_graphique()["series"][0]
    assert graphique["valeurs"] == [40, None, None, 0]
    assert graphique["masques"] == [None, "secret", "< 5", None]
    # Un zéro n'est jamais masqué pour en protéger un autre : seul non nul, le masqué ne se
    # déduit de rien (le total, sur ses mêmes personnes, est masqué aussi).
    w = Tableau("w", "W", ["n"])
    w.ajouter("A", compte(0))
    w.ajouter("B", compte(3))
    w.ajouter("C", compte(12))
    assert [str(c[0]) for _, c in w.proteger().lignes] == ["0", "< 5", "secret"]
    z = Tableau("z", "Z", ["n"])
    z.ajouter("A", compte(0))
    z.ajouter("B", compte(3))
    z.ajouter("C", compte(0))
    assert [str(c[0]) for _, c in z.proteger().lignes] == ["0", "< 5", "0"]
    # Deux chiffres masqués (ou aucun) : rien de plus à cacher ; pas de masquage hors répartition.
    u = Tableau("u", "U", ["n"])
    u.ajouter("A", compte(40))
    u.ajouter("B", compte(2))
    u.ajouter("C", compte(3))
    assert [str(c[0]) for _, c in u.proteger().lignes] == ["40", "< 5", "< 5"]
    v = Tableau("v", "V", ["n"], repartition=False)
    v.ajouter("A", compte(40))
    v.ajouter("B", compte(2))
    assert [str(c[0]) for _, c in v.proteger().lignes] == ["40", "< 5"]


def test_aucun_chiffre_masque_ne_se_deduit_du_total_sur_la_page(client, monde):
    reponse = _page(client, monde.responsable, reverse("tableau_de_bord"), **PARAMS_MARS)
    par_site = dict(reponse.context["page"].tableau("par_site").lignes)
    assert reponse.context["page"].cles["passages"].valeur == 10
    assert [str(c) for c in (par_site["Maison A"][0], par_site["Maison B"][0])] == [
        "secret",
        "< 5",
    ]
    assert "« secret »" in reponse.content.decode()


def test_mettre_a_traiter_n_est_pas_traiter(monde):
    s = Signalement.objects.create(
        foyer=monde.foyer_b, prestation_id="rsa", montant_estime=Decimal(1), empreinte="e"
    )
    c = ChangementSignalement.objects.create(signalement=s, nouveau="a_traiter", agent=monde.ts)
    ChangementSignalement.objects.filter(pk=c.pk).update(le=a_paris(date(2026, 3, 8), 12))
    assert ind.chiffres_cles(filtres())["traites"].valeur == 6  # 5 contactés + 1 refus


def test_foyers_recus_compte_les_foyers_pas_les_personnes(monde):
    conjoint = habitant(monde.ts, site=monde.a, prenoms="Hugo", date_naissance=date(1985, 1, 1))
    MembreFoyer.objects.create(
        foyer=monde.foyers["Léa"], habitant=conjoint, role="conjoint", date_debut=date(2020, 1, 1)
    )
    Passage.objects.create(
        site=monde.a,
        agent=monde.ts,
        date_heure=a_paris(date(2026, 3, 11), 10),
        habitant=conjoint,
        mode="physique",
        reponse="information",
    )
    cles = ind.chiffres_cles(filtres())
    assert (cles["personnes_vues"].valeur, cles["foyers_vus"].valeur) == (8, 7)


def test_orientations_et_actions_collectives_par_lieu(monde):
    cles = ind.chiffres_cles(filtres())
    assert (cles["orientations"].valeur, cles["orientations"].effectif) == (6, 5)
    lieux = dict(ind.actions_collectives_par_site(filtres()).lignes)
    assert [c.valeur for c in lieux["Maison A"]] == [2, 7]


def test_par_site_toutes_les_colonnes(monde):
    t = ind.par_site(filtres())
    a = dict(zip(t.colonnes, dict(t.lignes)["Maison A"], strict=True))
    assert a["Passages"].valeur == 9
    assert a["Personnes reçues"].valeur == 6
    assert a["Accompagnements actifs"].valeur == 6  # 5 logement + 1 bien vieillir
    assert a["Interventions"].valeur == 7
    assert a["Droits probables repérés"].valeur == 6


def test_tendances_de_chaque_serie_et_comparaison(monde):
    t = ind.tendances(filtres())
    mars = dict(zip(t.colonnes, dict(t.lignes)["mars 2026"], strict=True))
    assert {nom: c.valeur for nom, c in mars.items()} == {
        "Passages": 10,
        "Accompagnements ouverts": 4,  # Inès, Noé, Léa (logement), Jean (bien vieillir)
        "Interventions": 7,
        "Droits probables repérés": 6,
        "Droits ouverts": 5,
    }
    # Effectif des passages : 7 personnes + 2 anonymes, comme les chiffres clés.
    assert mars["Passages"].effectif == 9
    assert dict(t.lignes)["avril 2025"][2].valeur == 0
    assert t.titre == "Tendances, d'avril 2025 à mars 2026"
    comparaison = dict(ind.comparaison(filtres(), ind.chiffres_cles(filtres())).lignes)
    assert [c.valeur for c in comparaison["Interventions"]] == [7, 0]
    assert [c.valeur for c in comparaison["Personnes reçues"]] == [7, 5]


def test_export_d_un_responsable_de_site_dit_son_site(client, monde):
    url = reverse("export_tableau", args=["par_site", "csv"])
    reponse = _page(client, monde.responsable_a, url, **PARAMS_MARS)
    assert "sites-mdh-a_" in reponse["Content-Disposition"]
    lignes = list(csv.reader(io.StringIO(reponse.content.decode("utf-8-sig")), delimiter=";"))
    assert lignes[2] == ["Sites", "Maison A"]
    entete = lignes.index(["", *ind.par_site(filtres()).colonnes])
    assert [ligne[0] for ligne in lignes[entete + 1 :]] == ["Maison A"]
    assert EntreeJournal.objects.get(action="export").details["Sites"] == "Maison A"


def test_export_refuse_des_filtres_invalides(client, monde):
    url = reverse("export_tableau", args=["par_site", "csv"])
    reponse = _page(
        client, monde.responsable, url, periode="dates", du="2026-03-10", au="2026-03-01"
    )
    assert reponse.status_code == 400
    assert "La date de fin précède la date de début." in reponse.content.decode()
    assert not EntreeJournal.objects.filter(action="export").exists()


def test_export_xlsx_formats_et_nom_de_feuille(client, monde):
    import openpyxl

    url = reverse("export_tableau", args=["comparaison", "xlsx"])
    reponse = _page(client, monde.responsable, url, **PARAMS_MARS)
    classeur = openpyxl.load_workbook(io.BytesIO(reponse.content))
    feuille = classeur.active
    assert feuille.title == "Comparaison avec la même périod"  # 31 caractères au plus
    lignes = {ligne[0].value: ligne[1:] for ligne in feuille.iter_rows() if ligne[0].value}
    montant = lignes["Montant de droits ouverts (mensuel estimé)"][0]
    assert montant.value == 1500.5
    assert montant.number_format == '#,##0.00" €"'
    assert lignes["Passages à l'accueil"][0].number_format == "#,##0"
    csv_ = _page(client, monde.responsable, url.replace("xlsx", "csv"), **PARAMS_MARS)
    assert "Montant de droits ouverts (mensuel estimé);1500,50;" in csv_.content.decode("utf-8-sig")
    assert EntreeJournal.objects.filter(action="export", details__format="xlsx").exists()


def test_page_d_un_responsable_de_site_lue_du_calcul_de_nuit(
    client, monde, django_assert_max_num_queries
):
    from ccas_portal.pilotage.instantanes import precalculer

    precalculer()
    client.force_login(monde.responsable_a)
    with django_assert_max_num_queries(10):  # relu : aucun agrégat recalculé
        reponse = client.get(reverse("tableau_de_bord_axe", args=["logement"]))
    assert reponse.status_code == 200


def test_signalements_et_leurs_changements_bornes_a_l_heure_de_paris(monde):
    """Repéré le 31 mars à 23 h 30 à Paris (21 h 30 UTC) : mars ; ouvert le 1er avril à 0 h 15
    à Paris (encore le 31 mars en UTC) : avril."""
    s = Signalement.objects.create(
        foyer=monde.foyer_b, prestation_id="rsa", montant_estime=Decimal(50), empreinte="e"
    )
    Signalement.objects.filter(pk=s.pk).update(cree_le=a_paris(date(2026, 3, 31), 23, 30))
    c = ChangementSignalement.objects.create(signalement=s, nouveau="droit_ouvert", agent=monde.ts)
    ChangementSignalement.objects.filter(pk=c.pk).update(le=a_paris(date(2026, 4, 1), 0, 15))
    mars = ind.chiffres_cles(filtres())
    avril = ind.chiffres_cles(filtres(periode=Periode.mois(date(2026, 4, 1))))
    assert (mars["detectes"].valeur, mars["droits_ouverts"].valeur) == (7, 5)
    assert (avril["detectes"].valeur, avril["droits_ouverts"].valeur) == (0, 1)
    assert avril["montant_droits_ouverts"].valeur == Decimal(50)


def test_masquage_secondaire_d_une_grille_avec_ses_totaux():
    """Lignes et colonnes ont leurs totaux publiés : aucune ne garde un seul masqué."""
    nombres = [[10, 2, 0, 12], [20, 30, 0, 50], [30, 32, 0, 62]]
    grille = [[compte(n) for n in ligne] for ligne in nombres]
    relations = [[(i, j) for j in range(4)] for i in range(3)] + [
        [(i, j) for i in range(3)] for j in range(4)
    ]
    proteger_grille(grille, relations)
    assert [[str(c) for c in ligne] for ligne in grille] == [
        ["secret", "< 5", "0", "12"],
        ["secret", "secret", "0", "50"],
        ["30", "32", "0", "62"],
    ]
    for relation in relations:
        assert sum(1 for i, j in relation if grille[i][j].masque and grille[i][j].effectif) != 1


DATES_HORS_CALENDRIER = [
    ("0001-01-01", "0001-06-30"),
    ("9999-06-01", "9999-12-31"),
    ("1999-12-31", "2000-06-30"),
]


@pytest.mark.parametrize(("du", "au"), DATES_HORS_CALENDRIER)
def test_dates_hors_du_calendrier_plausible_sans_erreur_serveur(monde, settings, du, au):
    """Années 1 et 9999 : un message en français à côté du champ, jamais une erreur 500 (ni
    la vue d'ensemble, ni un axe, ni un export, ni « Recalculer maintenant »)."""
    settings.DEBUG = False
    client = ClientPortail(raise_request_exception=False)
    client.force_login(monde.responsable)
    params = {"periode": "dates", "du": du, "au": au}
    message = "Choisissez une date entre le 01/01/2000 et le"
    for url in (reverse("tableau_de_bord"), reverse("tableau_de_bord_axe", args=["logement"])):
        reponse = client.get(url, params)
        assert reponse.status_code == 200
        html = reponse.content.decode()
        assert message in html
        assert 'id="erreur-du"' in html or 'id="erreur-au"' in html  # à côté du champ
        assert 'aria-invalid="true"' in html
    for extension in ("csv", "xlsx"):
        for url in (
            reverse("export_tableau", args=["par_site", extension]),
            reverse("export_tableau_axe", args=["logement", "tendances", extension]),
        ):
            reponse = client.get(url, params)
            assert reponse.status_code == 400
            assert message in reponse.content.decode()
    for url in (
        reverse("recalculer_tableau_de_bord"),
        reverse("recalculer_tableau_de_bord_axe", args=["logement"]),
    ):
        reponse = client.post(url, params)
        assert reponse.status_code == 302
        suite = client.get(reponse["Location"])
        assert suite.status_code == 200
        assert message in suite.content.decode()
    assert not EntreeJournal.objects.filter(action="export").exists()


@pytest.mark.parametrize(
    "params",
    [
        {"periode": "mois", "annee": "1", "mois": "1"},
        {"periode": "annee", "annee": "9999"},
        {"periode": "annee", "annee": "99999999999999999999"},
        {"periode": "trimestre", "annee": "abc", "trimestre": "9"},
        {"periode": "inconnue"},
        {"periode": "dates", "du": "2026-02-30", "au": "x" * 10_000},
        {"periode": "dates", "du": "2026-01-01\x00", "au": "2026-02-01"},
        {"periode": "mois", "mois": "\x00", "sites": ["abc", "99999999999999999999"]},
        {"axes": ["inconnu"]},
    ],
)
def test_valeurs_absurdes_des_filtres_sans_erreur_serveur(monde, settings, params):
    settings.DEBUG = False
    client = ClientPortail(raise_request_exception=False)
    client.force_login(monde.responsable)
    reponse = client.get(reverse("tableau_de_bord"), params)
    assert reponse.status_code == 200
    assert "Filtres non appliqués" in reponse.content.decode()
    export = client.get(reverse("export_tableau", args=["par_site", "csv"]), params)
    assert export.status_code == 400
    assert "Filtres invalides, rien n'est exporté" in export.content.decode()
    assert client.post(reverse("recalculer_tableau_de_bord"), params).status_code == 302


def test_dates_aux_bornes_du_calendrier_plausible_acceptees(client, monde):
    """Du 01/01/2000 (un an avant : 1999) à un an d'ici : la comparaison et les tendances
    restent dans le calendrier."""
    from ccas_portal.pilotage.forms import dernier_jour

    reponse = _page(
        client,
        monde.responsable,
        reverse("tableau_de_bord"),
        periode="dates",
        du="2000-01-01",
        au="2000-03-31",
    )
    assert not reponse.context["form"].errors
    assert "du 01/01/1999 au 31/03/1999" in reponse.content.decode()
    fin = dernier_jour()
    reponse = _page(
        client,
        monde.responsable,
        reverse("tableau_de_bord"),
        periode="dates",
        du=(fin - timedelta(days=30)).isoformat(),
        au=fin.isoformat(),
    )
    assert not reponse.context["form"].errors
    assert reponse.context["filtres"].periode.fin == fin


def test_graphique_euros_et_heures_sur_leur_propre_axe_nombres_entiers(monde):
    """Non-recours par prestation : repérés et droits ouverts (nombres, graduations entières)
    sur un axe, le montant en euros sur un autre ; interventions et heures de même."""
    donnees = ind.non_recours_par_prestation(filtres()).donnees_graphique()
    axes = {s["nom"]: s["axe"] for s in donnees["series"]}
    assert axes["Repérés"] == axes["Droits ouverts"] == "nombres"
    assert axes["Montant de droits ouverts (mensuel)"] == "euros"
    assert donnees["axes"] == [
        {"id": "nombres", "titre": "Nombre", "entier": True, "position": "left"},
        {"id": "euros", "titre": "Euros", "entier": False, "position": "right"},
    ]
    heures = ind.interventions_par_type(filtres()).donnees_graphique()
    assert [s["axe"] for s in heures["series"]] == ["nombres", "heures"]
    assert [a["entier"] for a in heures["axes"]] == [True, False]


def test_graphique_tout_masque_dit_pourquoi(client, monde):
    """Maison B seule en mars : un passage, tout est masqué ; pas de graphique vide de 0 à 1,
    mais un message, et le tableau des données ouvert."""
    t = Tableau("t", "T", ["Passages", "Personnes"], graphique="barres")
    t.ajouter("A", compte(2), compte(2))
    t.ajouter("B", compte(0), compte(0))
    donnees = t.donnees_graphique()
    assert "tous ses chiffres sont masqués" in donnees["message"]
    assert all(s["masquee"] for s in donnees["series"])
    t.ajouter("C", compte(8), compte(6))
    assert t.donnees_graphique()["message"] == ""
    reponse = _page(
        client, monde.responsable, reverse("tableau_de_bord"), **PARAMS_MARS, sites=monde.b.pk
    )
    html = reponse.content.decode()
    assert 'class="alert alert-secondary graphique-masque" id="graphique-par_age"' in html
    assert 'data-graphique="donnees-par_age"' not in html
    assert 'id="graphique-tendances"' in html
    assert 'data-graphique="donnees-tendances"' not in html
    # Tous sites : les tendances sont tracées.
    reponse = _page(client, monde.responsable, reverse("tableau_de_bord"), **PARAMS_MARS)
    assert 'data-graphique="donnees-tendances"' in reponse.content.decode()


def test_mois_en_cours_marque_partiel(monde):
    """Le mois en cours n'est pas fini : marqué dans le tableau et dans le graphique (pas
    tracé comme une chute)."""
    aujourd_hui = timezone.localdate()
    t = ind.tendances(filtres(periode=Periode.mois(aujourd_hui)))
    dernier = t.lignes[-1][0]
    assert dernier.endswith("(mois en cours, partiel)")
    assert t.partielles == [11]
    donnees = t.donnees_graphique()
    assert donnees["partielles"] == [False] * 11 + [True]
    assert donnees["libelles"][-1] == dernier
    # Une période passée n'a pas de mois partiel.
    assert ind.tendances(filtres()).partielles == []
    # Relu d'un instantané : le marquage suit.
    from ccas_portal.pilotage.instantanes import _tableau, _tableau_en_json

    assert _tableau(_tableau_en_json(t)).partielles == [11]


def test_page_du_mois_en_cours_dit_le_mois_partiel(client, monde):
    reponse = _page(client, monde.responsable, reverse("tableau_de_bord"))
    html = reponse.content.decode()
    assert "(mois en cours, partiel)" in html
    assert "En pointillé : le mois en cours, partiel" in html


@pytest.mark.django_db(transaction=True)
def test_calcul_en_parallele_hors_transaction_comme_en_sequence(monde, monkeypatch):
    """Hors transaction, les tableaux sont calculés sur plusieurs connexions à la fois : mêmes
    chiffres que l'un après l'autre (dans une transaction)."""
    from django.db import connection, transaction

    from ccas_portal.pilotage import instantanes

    m = monde
    appels = []
    vrai = instantanes.ThreadPoolExecutor

    class Espion(vrai):
        def __init__(self, *args, **kw):
            appels.append(kw.get("max_workers"))
            super().__init__(*args, **kw)

    monkeypatch.setattr(instantanes, "ThreadPoolExecutor", Espion)
    for kw, axe in (({}, None), ({"sites": (m.a.pk,)}, "logement")):
        f = filtres(**kw, axes=(axe,) if axe else ())
        assert not connection.in_atomic_block
        en_parallele = instantanes.calculer(f, axe)
        with transaction.atomic():
            en_sequence = instantanes.calculer(f, axe)
        assert en_parallele == en_sequence
    assert appels == [instantanes.CALCULS_SIMULTANES] * 2
    assert en_parallele["cles"]["passages"][0] == 7  # logement à la Maison A, mars 2026
