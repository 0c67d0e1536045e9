"""Agrégats mensuels du tableau de bord (ccas_portal/pilotage/agregats.py) : chaque page
calculée sur les agrégats (mois clos) et les bords (lignes brutes) donne EXACTEMENT les
chiffres du calcul tout en SQL sur les lignes, pour des combinaisons de filtres tirées au
hasard (graine fixe) et des cas limites : mois entiers, bords à minuit à Paris, mois en
cours, mois à venir, période vide, mois non agrégés, un site, un axe. Sources : passages
(plusieurs motifs et axes, anonymes, personnes sans date de naissance, personnes qui changent
de foyer), interventions, signalements, changements d'état."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.db.models import Q
from django.utils import timezone

from accompagnement.models import Accompagnement, Intervention
from ccas_portal.enums import Role, TypeSite
from ccas_portal.models import AgregatMensuel, MoisAgrege
from ccas_portal.periodes import Periode, ajouter_mois, debut_du_mois, fin_du_mois
from ccas_portal.pilotage import agregats, instantanes
from ccas_portal.pilotage import indicateurs as ind
from droits.axes import AXES
from droits.enums import SourcePrestation, StatutPrestation
from droits.models import ChangementSignalement, Prestation, PrestationFoyer, Signalement
from habitants.models import Habitant, MembreFoyer, Motif, Passage
from tests.factories import AgentFactory, SiteFactory, foyer

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
TYPES = ("entretien_bureau", "appel", "demarche_administrative", "permanence_juridique")
ETATS = ("a_traiter", "contacte", "demande_deposee", "droit_ouvert", "non_eligible")


@pytest.fixture
def donnees(referentiels):
    """Quinze mois de passages, d'interventions, de signalements et de changements d'état,
    sur trois sites et quarante foyers, avec des lignes à minuit à Paris aux bords des mois."""
    hasard = random.Random(20261205)
    aujourd_hui = timezone.localdate()
    debut = ajouter_mois(debut_du_mois(aujourd_hui), -15)
    jours = (aujourd_hui - debut).days + 10  # et quelques jours à venir
    sites = [SiteFactory(code=f"mdh-{i}", nom=f"Maison {i}") for i in range(3)]
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=sites)
    foyers = [foyer(ts, site=sites[i % 3]) for i in range(40)]
    axes = list(AXES)
    accompagnements = [
        Accompagnement.objects.create(
            foyer=f,
            axe_id=hasard.choice(axes),
            referent=ts,
            statut="en_cours",
            date_ouverture=debut,
        )
        for f in foyers
        for _ in range(hasard.choice((1, 1, 2)))
    ]
    Intervention.objects.bulk_create(
        Intervention(
            accompagnement=hasard.choice(accompagnements),
            type=hasard.choice(TYPES),
            date=debut + timedelta(days=hasard.randrange(jours)),
            duree_minutes=hasard.choice((None, 10, 30, 45)),
            auteur=ts,
        )
        for _ in range(900)
    )
    prestations = list(Prestation.objects.values_list("code", flat=True)[:6])

    def horodate(jour: date) -> datetime:
        # Un sur trois à minuit moins le quart ou minuit et quart à Paris (bords des mois).
        heure = hasard.choice((time(23, 45), time(0, 15), time(12, 0)))
        return datetime.combine(jour, heure, tzinfo=PARIS)

    # Personnes : des âges de part et d'autre des seuils (25, 60, 75 ans), un sixième sans
    # date de naissance ; membres d'un foyer, un tiers passés d'un foyer à un autre en cours
    # de route (les foyers reçus dépendent des appartenances pendant la période).
    personnes = Habitant.objects.bulk_create(
        Habitant(
            nom_usage=f"Personne{i}",
            prenoms="Camille",
            site=sites[i % 3],
            date_naissance=None
            if i % 6 == 0
            else aujourd_hui - timedelta(days=hasard.randrange(15 * 365, 85 * 365)),
        )
        for i in range(60)
    )
    membres = []
    for i, personne in enumerate(personnes):
        premier, second = hasard.sample(foyers, 2)
        if i % 3 == 0:
            change = debut + timedelta(days=hasard.randrange(jours))
            membres.append(
                MembreFoyer(
                    foyer=premier,
                    habitant=personne,
                    role="autre_adulte",
                    date_debut=debut - timedelta(days=400),
                    date_fin=change,
                )
            )
            membres.append(
                MembreFoyer(
                    foyer=second,
                    habitant=personne,
                    role="autre_adulte",
                    date_debut=change + timedelta(days=1),
                )
            )
        else:
            membres.append(
                MembreFoyer(
                    foyer=premier,
                    habitant=personne,
                    role="autre_adulte",
                    date_debut=debut + timedelta(days=hasard.randrange(-200, jours // 2)),
                )
            )
    MembreFoyer.objects.bulk_create(membres)
    for a in accompagnements:
        a.membres.add(*hasard.sample(personnes, hasard.choice((0, 1, 2))))
    # Passages : de zéro à trois motifs (donc parfois plusieurs axes), un sur cinq anonyme.
    motifs = list(Motif.objects.all())
    passages = Passage.objects.bulk_create(
        Passage(
            site=hasard.choice(sites),
            agent=ts,
            habitant=None if hasard.random() < 0.2 else hasard.choice(personnes),
            date_heure=horodate(debut + timedelta(days=hasard.randrange(jours))),
            mode="physique",
            reponse="information",
        )
        for _ in range(700)
    )
    Passage.motifs.through.objects.bulk_create(
        Passage.motifs.through(passage_id=p.pk, motif_id=m.pk)
        for p in passages
        for m in hasard.sample(motifs, hasard.choice((0, 1, 1, 2, 3)))
    )

    for f in foyers:
        for code in hasard.sample(prestations, 3):
            cree = debut + timedelta(days=hasard.randrange(jours))
            s = Signalement.objects.create(
                foyer=f,
                prestation_id=code,
                montant_estime=Decimal(hasard.randrange(1000, 40000)) / 100,
                empreinte="e",
            )
            Signalement.objects.filter(pk=s.pk).update(cree_le=horodate(cree))
            jour = cree
            etats = ETATS[: hasard.randrange(len(ETATS) + 1)]
            for etat in etats:
                jour += timedelta(days=hasard.randrange(0, 40))
                c = ChangementSignalement.objects.create(signalement=s, nouveau=etat, agent=ts)
                ChangementSignalement.objects.filter(pk=c.pk).update(le=horodate(jour))
            # L'état suit l'historique, sauf un sur cinq (droit ouvert sans « droit ouvert »
            # noté : prestation perçue saisie au dossier) ; un droit ouvert sur quatre sans
            # montant accordé (entonnoir du non-recours).
            etat = etats[-1] if etats else "nouveau"
            if hasard.random() < 0.2:
                etat = hasard.choice(ETATS)
            prestation_foyer = None
            if etat == "droit_ouvert":
                prestation_foyer = PrestationFoyer.objects.create(
                    foyer=f,
                    prestation_id=code,
                    statut=StatutPrestation.PERCUE,
                    source=SourcePrestation.DECLARATION,
                    saisi_par=ts,
                    montant_mensuel=None
                    if hasard.random() < 0.25
                    else Decimal(hasard.randrange(1000, 60000)) / 100,
                )
            Signalement.objects.filter(pk=s.pk).update(etat=etat, prestation_foyer=prestation_foyer)
    return sites


def _normaliser(contenu: dict) -> dict:
    """Le contenu d'une page, montants en Decimal (1500.5 et 1500.50 sont le même montant)."""

    def chiffre(c):
        valeur, effectif, unite, secret = c
        return (Decimal(valeur) if unite == "€" else valeur, effectif, unite, secret)

    return {
        "cles": {k: chiffre(c) for k, c in contenu["cles"].items()},
        "avant": {k: chiffre(c) for k, c in contenu["avant"].items()},
        "tableaux": [
            (t["code"], t["titre"], [(lib, [chiffre(c) for c in cs]) for lib, cs in t["lignes"]])
            for t in contenu["tableaux"]
        ],
    }


def _ecarts(a: dict, b: dict) -> list:
    """Les chiffres qui diffèrent (pour lire un échec)."""
    ecarts = [
        (k, a["cles"][k], b["cles"].get(k)) for k in a["cles"] if a["cles"][k] != b["cles"].get(k)
    ]
    ecarts += [
        (k, a["avant"][k], b["avant"].get(k))
        for k in a["avant"]
        if a["avant"][k] != b["avant"].get(k)
    ]
    ecarts += [(ta, tb) for ta, tb in zip(a["tableaux"], b["tableaux"], strict=False) if ta != tb]
    return ecarts


def _deux_calculs(filtres, axe):
    """Le calcul de référence, tout sur les lignes, puis celui des agrégats et des bords."""
    reference = _normaliser(instantanes.calculer(filtres, axe, sur_les_lignes=True))
    return reference, _normaliser(instantanes.calculer(filtres, axe))


def _periodes_limites(aujourd_hui: date) -> list[Periode]:
    mois_dernier = ajouter_mois(debut_du_mois(aujourd_hui), -1)
    return [
        Periode.mois(mois_dernier),  # un mois clos entier
        Periode.mois(aujourd_hui),  # le mois en cours (lignes brutes)
        Periode.annee(aujourd_hui),
        Periode.dates(aujourd_hui - timedelta(days=364), aujourd_hui),
        Periode.dates(ajouter_mois(mois_dernier, -6), fin_du_mois(mois_dernier)),  # mois entiers
        Periode.dates(mois_dernier + timedelta(days=1), mois_dernier + timedelta(days=1)),
        Periode.dates(fin_du_mois(ajouter_mois(mois_dernier, -3)), mois_dernier),  # deux bords
        Periode.dates(aujourd_hui + timedelta(days=30), aujourd_hui + timedelta(days=60)),
        Periode.dates(date(2000, 1, 1), date(2000, 3, 31)),  # vide
        Periode.dates(ajouter_mois(mois_dernier, -40), aujourd_hui + timedelta(days=100)),
    ]


def test_agregats_et_bords_donnent_les_chiffres_du_calcul_sur_les_lignes(donnees):
    assert agregats.agreger() > 0
    assert AgregatMensuel.objects.filter(source="changements").exists()
    aujourd_hui = timezone.localdate()
    hasard = random.Random(42)
    sites = [s.pk for s in donnees]
    cas = [(p, (), None) for p in _periodes_limites(aujourd_hui)]
    cas += [(p, (sites[1],), "logement") for p in _periodes_limites(aujourd_hui)[:4]]
    for _ in range(30):
        premier = aujourd_hui - timedelta(days=hasard.randrange(0, 480))
        dernier = min(premier + timedelta(days=hasard.randrange(0, 400)), date(2027, 12, 31))
        choix_sites = tuple(hasard.sample(sites, hasard.choice((0, 1, 2))))
        axe = hasard.choice((None, None, *AXES))
        cas.append((Periode.dates(premier, dernier), choix_sites, axe))
    for periode, choix_sites, axe in cas:
        filtres = ind.Filtres(periode, sites=choix_sites, axes=(axe,) if axe else ())
        reference, calcul = _deux_calculs(filtres, axe)
        assert calcul == reference, (periode, choix_sites, axe, _ecarts(calcul, reference))
    # Les données ne sont pas vides : les comparaisons portent sur des chiffres.
    filtres = ind.Filtres(Periode.dates(aujourd_hui - timedelta(days=364), aujourd_hui))
    cles = instantanes.calculer(filtres, None)["cles"]
    assert cles["interventions"][0] > 100
    assert cles["droits_ouverts"][0] > 0
    assert cles["passages"][0] > 100
    assert cles["passages_anonymes"][0] > 10
    assert cles["foyers_vus"][0] > 5
    tableaux = {t["code"]: t for t in instantanes.calculer(filtres, None)["tableaux"]}
    (_, toutes) = tableaux["droits_ouverts_montants"]["lignes"][-1]
    assert toutes[0][0] > 5  # droits ouverts
    assert Decimal(toutes[2][0]) > 0  # montant accordé
    assert toutes[5][0] > 0  # sans montant accordé saisi


def test_mois_non_agreges_et_perimetre_d_un_responsable(donnees):
    """Un mois sans agrégat est compté sur les lignes ; des sites permis (responsable de
    site) et plusieurs axes se filtrent pareil dans les agrégats et sur les lignes."""
    aujourd_hui = timezone.localdate()
    agregats.agreger()
    mois = ajouter_mois(debut_du_mois(aujourd_hui), -4)
    MoisAgrege.objects.filter(mois=mois).delete()
    periode = Periode.dates(ajouter_mois(mois, -2) + timedelta(days=3), aujourd_hui)
    for filtres, axe in (
        (ind.Filtres(periode), None),
        (ind.Filtres(periode, sites_permis=(donnees[0].pk, donnees[2].pk)), None),
        (ind.Filtres(periode, axes=("logement", "sante", "existence")), None),
        (ind.Filtres(periode, sites_permis=(donnees[1].pk,), axes=("sante",)), "sante"),
    ):
        reference, calcul = _deux_calculs(filtres, axe)
        assert calcul == reference, (filtres, _ecarts(calcul, reference))


def test_agregat_d_un_mois_clos_et_fraicheur(donnees):
    """Un mois clos agrégé : nombre, minutes et foyers exacts ; le mois en cours ne l'est
    jamais ; la page dit de quand datent les agrégats qu'elle a lus."""
    aujourd_hui = timezone.localdate()
    mois = ajouter_mois(debut_du_mois(aujourd_hui), -2)
    agregats.agreger(mois, mois)
    assert set(MoisAgrege.objects.values_list("mois", flat=True)) == {mois}
    lignes = Intervention.objects.filter(date__gte=mois, date__lte=fin_du_mois(mois))
    (lecture,) = ind.lire(
        agregats.INTERVENTIONS, ind.Filtres(Periode.mois(mois)), [Periode.mois(mois)]
    )
    total = lecture.total()
    assert total.n == lignes.count()
    assert total.somme == sum(i.duree_minutes or 0 for i in lignes)
    assert total.effectif == len({i.accompagnement.foyer_id for i in lignes})
    page = instantanes.obtenir(ind.Filtres(Periode.mois(mois)))
    premier_calcul = MoisAgrege.objects.order_by("calcule_le").first().calcule_le
    assert page.agreges_le == premier_calcul
    assert set(MoisAgrege.objects.values_list("source", flat=True)) == {
        "passages",
        "interventions",
        "signalements",
        "changements",
        "entonnoir",
    }
    # Le mois en cours : ses jours passés seulement (pas de cellule du mois entier), le
    # premier du mois rien.
    hier = aujourd_hui - timedelta(days=1)
    en_cours = debut_du_mois(aujourd_hui)
    assert agregats.agreger(aujourd_hui, aujourd_hui) == (1 if aujourd_hui.day > 1 else 0)
    if aujourd_hui.day > 1:
        assert set(MoisAgrege.objects.filter(mois=en_cours).values_list("jusqu_au", flat=True)) == {
            hier
        }
    cellules = AgregatMensuel.objects.filter(mois=en_cours)
    assert not cellules.filter(jour=None).exists()
    assert not cellules.filter(jour__gte=aujourd_hui).exists()


def test_ensembles_d_identifiants():
    a = agregats.ensemble([7, 0, 8, 100_000, 7])
    assert list(a) == [0, 7, 8, 100_000]
    assert list(agregats.depuis_octets(agregats.en_octets(a))) == [0, 7, 8, 100_000]
    b = agregats.ensemble([8, 9])
    assert agregats.taille_de_la_reunion([a, b]) == 5
    assert agregats.taille_de_la_reunion([a]) == 4
    assert agregats.taille_de_la_reunion([]) == 0
    assert agregats.depuis_octets(b"").size == 0
    # Des cellules mises bout à bout par la base : des doublons, même dans un seul tableau.
    bout_a_bout = np.concatenate([a, b])
    assert agregats.taille_de_la_reunion([bout_a_bout]) == 5
    ids, poids = agregats.reunion_ponderee([bout_a_bout], [np.ones(6, dtype=np.uint32)])
    assert list(ids) == [0, 7, 8, 9, 100_000]
    assert list(poids) == [1, 1, 2, 1, 1]


def test_recalculer_maintenant_compte_une_intervention_saisie_apres_coup(client, donnees):
    """Une intervention saisie après le calcul de nuit dans un mois clos : une combinaison
    nouvelle la manque jusqu'à la nuit suivante (agrégats de la nuit, la page le dit) ;
    « Recalculer maintenant » compte tout sur les lignes et la voit tout de suite."""
    from django.urls import reverse

    aujourd_hui = timezone.localdate()
    mois = ajouter_mois(debut_du_mois(aujourd_hui), -2)
    agregats.agreger()
    direction = SiteFactory(code="dir-x", nom="Direction", type=TypeSite.SERVICE_CENTRAL)
    responsable = AgentFactory(role=Role.RESPONSABLE, sites=[direction])
    client.force_login(responsable)
    params = {"periode": "dates", "du": mois.isoformat(), "au": fin_du_mois(mois).isoformat()}
    avant = client.get(reverse("tableau_de_bord"), params).context["page"].cles["interventions"]
    reponse = client.get(reverse("tableau_de_bord"), params)
    assert "lus dans leurs agrégats du" in reponse.content.decode()

    Intervention.objects.create(
        accompagnement=Accompagnement.objects.filter(foyer__site=donnees[0]).first(),
        type="appel",
        date=mois + timedelta(days=3),
        duree_minutes=10,
        auteur=AgentFactory(role=Role.TRAVAILLEUR_SOCIAL),
    )
    filtres = ind.Filtres(Periode.dates(mois, fin_du_mois(mois)), sites=(donnees[0].pk,))
    sur_les_agregats = instantanes.calculer(filtres, None)["cles"]["interventions"][0]
    sur_les_lignes = instantanes.calculer(filtres, None, sur_les_lignes=True)
    assert sur_les_lignes["cles"]["interventions"][0] == sur_les_agregats + 1

    client.post(reverse("recalculer_tableau_de_bord"), params)
    apres = client.get(reverse("tableau_de_bord"), params).context["page"].cles["interventions"]
    assert apres.valeur == avant.valeur + 1


def test_personnes_nombreuses_lues_sur_toute_la_table(donnees, monkeypatch):
    """Au-delà de `PARMI_AU_PLUS` personnes reçues, appartenances et dates de naissance sont
    lues pour toute la table (au lieu des seules personnes en cause) : mêmes chiffres."""
    agregats.agreger()
    aujourd_hui = timezone.localdate()
    filtres = ind.Filtres(Periode.dates(aujourd_hui - timedelta(days=364), aujourd_hui))
    filtre_par_personnes = _normaliser(instantanes.calculer(filtres, None))
    monkeypatch.setattr(agregats, "PARMI_AU_PLUS", 0)
    toute_la_table = _normaliser(instantanes.calculer(filtres, None))
    reference = _normaliser(instantanes.calculer(filtres, None, sur_les_lignes=True))
    assert toute_la_table == filtre_par_personnes == reference
    assert agregats.parmi("habitant_id", agregats.ensemble([1, 2])) == Q()


def _contenu_des_agregats() -> tuple[set, set]:
    cellules = {
        (a.source, a.mois, a.jour, a.site_id, a.axe, a.cle, a.n, Decimal(a.somme), *octets)
        for a in AgregatMensuel.objects.all()
        for octets in [(bytes(a.elements), bytes(a.foyers), bytes(a.poids), bytes(a.valeurs))]
    }
    return cellules, set(MoisAgrege.objects.values_list("source", "mois", "jusqu_au"))


def test_calcul_de_nuit_incremental_identique_au_calcul_complet(donnees):
    """La nuit ne refait que les mois qui ont pu changer (pas encore agrégés, récents, ceux
    d'une ligne écrite depuis le dernier calcul) : le résultat est exactement celui d'une
    agrégation complète, cellule par cellule, ensembles d'identifiants compris."""
    aujourd_hui = timezone.localdate()
    agregats.agreger()
    tous = MoisAgrege.objects.filter(source="interventions").count()
    # Rien d'écrit depuis : seuls les mois récents et le mois en cours (ses jours passés)
    # sont refaits ; pour l'entonnoir, aussi les cohortes des signalements dont un
    # changement d'état est daté d'après le calcul (le jeu en a, à venir).
    recents = 2 + (1 if aujourd_hui.day > 1 else 0)
    debut_du_calcul = MoisAgrege.objects.filter(source="entonnoir").latest("calcule_le")
    cohortes = {
        debut_du_mois(timezone.localtime(s.cree_le).date())
        for s in Signalement.objects.filter(changements__le__gte=debut_du_calcul.calcule_le)
    } & set(MoisAgrege.objects.filter(source="entonnoir").values_list("mois", flat=True))
    recentes = {
        m
        for m in MoisAgrege.objects.filter(source="entonnoir").values_list("mois", flat=True)
        if m >= ajouter_mois(debut_du_mois(aujourd_hui), -2)
    }
    refaits = agregats.agreger_la_nuit(mois_recents=2)
    assert refaits == {
        **dict.fromkeys(("passages", "interventions", "signalements", "changements"), recents),
        "entonnoir": len(recentes | cohortes),
    }
    assert cohortes - recentes  # une cohorte ancienne refaite pour un changement d'état
    # Écrit après coup : une intervention et un passage dans des mois clos anciens, un
    # signalement ancien qui change de prestation (ses changements d'état avec lui), un
    # nouveau signalement ; un mois clos que le calcul n'a pas vu.
    il_y_a_dix_mois = ajouter_mois(debut_du_mois(aujourd_hui), -10) + timedelta(days=3)
    intervention = Intervention.objects.order_by("pk").first()
    Intervention.objects.create(
        accompagnement=intervention.accompagnement,
        type="appel",
        date=il_y_a_dix_mois,
        duree_minutes=25,
        auteur=intervention.auteur,
    )
    passage = Passage.objects.exclude(habitant=None).order_by("pk").first()
    nouveau = Passage.objects.create(
        site=donnees[1],
        agent=passage.agent,
        habitant=passage.habitant,
        date_heure=datetime.combine(ajouter_mois(il_y_a_dix_mois, -2), time(23, 45), PARIS),
        mode="physique",
        reponse="information",
    )
    nouveau.motifs.add(*Motif.objects.all()[:2])
    ancien = (
        Signalement.objects.filter(cree_le__lt=a_paris_mois(ajouter_mois(aujourd_hui, -6)))
        .exclude(changements=None)
        .order_by("pk")
        .first()
    )
    libres = Prestation.objects.exclude(
        code__in=Signalement.objects.filter(foyer=ancien.foyer).values("prestation")
    ).order_by("code")
    ancien.prestation = libres[0]
    ancien.save()
    s = Signalement.objects.create(
        foyer=ancien.foyer, prestation=libres[1], montant_estime=Decimal("12.34"), empreinte="n"
    )
    Signalement.objects.filter(pk=s.pk).update(cree_le=nouveau.date_heure)
    oublie = ajouter_mois(debut_du_mois(aujourd_hui), -7)
    MoisAgrege.objects.filter(source="passages", mois=oublie).delete()

    refaits = agregats.agreger_la_nuit(mois_recents=1)
    assert 1 < refaits["interventions"] < tous
    assert 1 < refaits["passages"] < tous
    assert refaits["changements"] < tous
    incremental = _contenu_des_agregats()
    agregats.agreger()
    assert incremental == _contenu_des_agregats()


def a_paris_mois(mois: date) -> datetime:
    return datetime.combine(debut_du_mois(mois), time(0, 0), PARIS)


def test_jours_passes_du_mois_en_cours_agreges(donnees):
    """Les jours passés du mois en cours sont agrégés la nuit, seul aujourd'hui est compté
    sur les lignes : mêmes chiffres que le calcul sur les lignes, aux bords de minuit ; une
    ligne d'hier écrite après le calcul ne compte qu'à la nuit suivante (comme dans un mois
    clos), une ligne d'aujourd'hui tout de suite."""
    aujourd_hui = timezone.localdate()
    hier = aujourd_hui - timedelta(days=1)
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL)
    accompagnement = Accompagnement.objects.filter(foyer__site=donnees[0]).first()
    habitant = Habitant.objects.filter(site=donnees[0]).first()
    for jour, heure in ((hier, time(23, 45)), (aujourd_hui, time(0, 15))):
        Intervention.objects.create(
            accompagnement=accompagnement, type="appel", date=jour, duree_minutes=5, auteur=ts
        )
        passage = Passage.objects.create(
            site=donnees[0],
            agent=ts,
            habitant=habitant,
            date_heure=datetime.combine(jour, heure, PARIS),
            mode="physique",
            reponse="information",
        )
        passage.motifs.add(Motif.objects.first())
        s = Signalement.objects.create(
            foyer=accompagnement.foyer,
            prestation=Prestation.objects.exclude(
                code__in=Signalement.objects.filter(foyer=accompagnement.foyer).values("prestation")
            ).first(),
            montant_estime=Decimal("50.00"),
            empreinte="j",
        )
        Signalement.objects.filter(pk=s.pk).update(cree_le=passage.date_heure)
    agregats.agreger()
    # Hier est dans les cellules par jour (du mois en cours, ou du mois clos le 1er).
    for source in ("passages", "interventions", "signalements", "entonnoir"):
        assert AgregatMensuel.objects.filter(source=source, jour=hier).exists(), source
        assert not AgregatMensuel.objects.filter(source=source, jour=aujourd_hui).exists()
    periodes = [
        Periode.mois(aujourd_hui),
        Periode.dates(hier, aujourd_hui),
        Periode.dates(hier, hier),
        Periode.dates(debut_du_mois(hier) - timedelta(days=3), aujourd_hui + timedelta(days=3)),
    ]
    for periode in periodes:
        for filtres, axe in (
            (ind.Filtres(periode), None),
            (ind.Filtres(periode, sites=(donnees[0].pk,)), None),
        ):
            reference, calcul = _deux_calculs(filtres, axe)
            assert calcul == reference, (periode, _ecarts(calcul, reference))

    # Écrites après le calcul : une intervention d'hier (agrégée : vue la nuit suivante),
    # une d'aujourd'hui (sur les lignes : vue tout de suite).
    filtres = ind.Filtres(Periode.dates(hier, aujourd_hui), sites=(donnees[0].pk,))
    avant = instantanes.calculer(filtres, None)["cles"]["interventions"][0]
    Intervention.objects.create(
        accompagnement=accompagnement, type="appel", date=hier, duree_minutes=5, auteur=ts
    )
    assert instantanes.calculer(filtres, None)["cles"]["interventions"][0] == avant
    Intervention.objects.create(
        accompagnement=accompagnement, type="appel", date=aujourd_hui, duree_minutes=5, auteur=ts
    )
    assert instantanes.calculer(filtres, None)["cles"]["interventions"][0] == avant + 1
    agregats.agreger_la_nuit(mois_recents=0)
    reference, calcul = _deux_calculs(filtres, None)
    assert calcul == reference
    assert calcul["cles"]["interventions"][0] == avant + 2
