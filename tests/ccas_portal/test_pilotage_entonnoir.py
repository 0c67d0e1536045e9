"""L'entonnoir du non-recours (ccas_portal/pilotage/non_recours.py) sur un jeu compté à la
main : chaque étape (un signalement compte aux étapes d'avant celle qu'il a atteinte), les
refus, les montants estimés et accordés, la valeur annuelle, le délai médian, le masquage des
petits effectifs (et le masquage secondaire), les mêmes chiffres sur les lignes et par les
agrégats, les exports ; l'écart estimé / accordé du dossier du foyer."""

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from ccas_portal.enums import Role, TypeSite
from ccas_portal.periodes import Periode
from ccas_portal.petits_effectifs import Chiffre
from ccas_portal.pilotage import indicateurs as ind
from ccas_portal.pilotage import non_recours
from droits.enums import EtatSignalement as E
from droits.enums import StatutPrestation
from droits.models import ChangementSignalement, Prestation, Signalement
from droits.services import changer_etat_signalement, enregistrer_prestation
from tests.factories import AgentFactory, SiteFactory, foyer

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
MARS = Periode.mois(date(2026, 3, 1))
PARAMS_MARS = {"periode": "mois", "annee": "2026", "mois": "3"}


def a_paris(jour: date, heure: int = 10) -> datetime:
    return datetime.combine(jour, time(heure), tzinfo=PARIS)


class Jeu:
    pass


@pytest.fixture
def jeu(referentiels):
    """Maison A, mars 2026, un foyer par signalement :
    RSA, 9 repérés en mars — s1 à s4 : contacté → demande déposée → droit ouvert (accordé) ;
      s5 : directement droit ouvert (accordé) ; s6 : contacté → refus de la personne ;
      s7 : non éligible ; s8 : encore nouveau ; s10 : droit ouvert depuis le dossier du foyer
      (prestation perçue sans montant) ; et s9, repéré en février, ouvert en mars (hors
      cohorte).
    CSS gratuite, 2 repérés en mars : l'un contacté, l'autre nouveau."""
    j = Jeu()
    j.a = SiteFactory(code="mdh-a", nom="Maison A")
    j.direction = SiteFactory(code="dir-x", nom="Direction", type=TypeSite.SERVICE_CENTRAL)
    j.ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[j.a])
    j.responsable = AgentFactory(role=Role.RESPONSABLE, sites=[j.direction])
    rsa = Prestation.objects.get(code="rsa")
    css = Prestation.objects.get(code="css_gratuite")
    j.s = {}

    def signalement(nom, prestation, repere_le, estime="500.00"):
        s = Signalement.objects.create(
            foyer=foyer(j.ts, site=j.a),
            prestation=prestation,
            montant_estime=Decimal(estime),
            empreinte=nom,
            explication={"mois": "03/2026", "personnes": 1},
        )
        Signalement.objects.filter(pk=s.pk).update(cree_le=repere_le)
        j.s[nom] = s
        return s

    def passer(nom, etat, le, **kw):
        changer_etat_signalement(
            agent=j.ts, signalement=j.s[nom], etat=etat, venue_d_elle_meme=True, **kw
        )
        ChangementSignalement.objects.filter(signalement=j.s[nom], nouveau=etat).update(le=le)

    debut = a_paris(date(2026, 3, 2))
    accordes = {"s1": "450.00", "s2": "500.00", "s3": "520.00", "s4": "600.00", "s5": "480.00"}
    for n, (nom, montant) in enumerate(accordes.items()):
        signalement(nom, rsa, debut)
        ouvert_le = debut + timedelta(days=10 * (n + 1))  # 10, 20, 30, 40, 50 jours
        if nom != "s5":
            passer(nom, E.CONTACTE, debut + timedelta(days=1))
            passer(nom, E.DEMANDE_DEPOSEE, debut + timedelta(days=2))
        passer(
            nom,
            E.DROIT_OUVERT,
            ouvert_le,
            montant_accorde=Decimal(montant),
            date_debut=date(2026, 4, 1),
        )
    signalement("s6", rsa, debut)
    passer("s6", E.CONTACTE, debut + timedelta(days=1))
    passer("s6", E.REFUS, debut + timedelta(days=3))
    signalement("s7", rsa, a_paris(date(2026, 3, 31), 23))  # encore mars à Paris
    passer("s7", E.NON_ELIGIBLE, debut + timedelta(days=40))
    signalement("s8", rsa, a_paris(date(2026, 3, 15)))
    signalement("s9", rsa, a_paris(date(2026, 2, 27)))  # hors cohorte
    passer("s9", E.DROIT_OUVERT, debut, montant_accorde=Decimal(900), date_debut=date(2026, 3, 1))
    s10 = signalement("s10", rsa, debut)
    enregistrer_prestation(
        agent=j.ts,
        foyer=s10.foyer,
        prestation=rsa,
        statut=StatutPrestation.PERCUE,
        source="declaration",
        date_debut=date(2026, 4, 1),
    )
    ChangementSignalement.objects.filter(signalement=s10).update(le=debut + timedelta(days=60))
    signalement("c1", css, debut, "0.00")
    passer("c1", E.CONTACTE, debut + timedelta(days=1))
    signalement("c2", css, a_paris(date(2026, 4, 1), 0))  # 1er avril 0 h à Paris : avril
    signalement("c3", css, debut, "0.00")
    return j


def _valeurs(tableau):
    return {
        libelle: [(c.valeur, c.effectif) for c in chiffres] for libelle, chiffres in tableau.lignes
    }


def test_chaque_etape_refus_montants_et_delai(jeu):
    entonnoir, par_prestation, montants = non_recours.entonnoir(ind.Filtres(MARS))
    # Toutes prestations : 9 RSA + 2 CSS repérés en mars ; s5 (droit ouvert sans contact
    # noté) et s10 (ouvert depuis le dossier) comptent parmi les contactés et les demandes.
    assert _valeurs(entonnoir) == {
        "Repérés": [(11, 11)],
        "Contactés": [(8, 8)],
        "Demandes déposées": [(6, 6)],
        "Droits ouverts": [(6, 6)],
        "Non éligibles ou refus de la personne": [(2, 2)],
    }
    assert entonnoir.graphique == "entonnoir"
    css = Prestation.objects.get(code="css_gratuite").libelle
    rsa = Prestation.objects.get(code="rsa").libelle
    assert _valeurs(par_prestation) == {
        rsa: [(9, 9), (7, 7), (6, 6), (6, 6), (2, 2)],
        css: [(2, 2), (1, 1), (0, 0), (0, 0), (0, 0)],  # c2, repéré le 1er avril : hors mars
    }
    # Montants : estimés sur les 6 droits ouverts, accordés sur les 5 saisis ; délai médian
    # de 10, 20, 30, 40, 50 et 60 jours.
    lignes = _valeurs(montants)
    attendu = [
        (6, 6),
        (Decimal("3000.00"), 6),
        (Decimal("2550.00"), 5),
        (Decimal("30600.00"), 5),
        (35.0, 6),
        (1, 1),
    ]
    assert lignes[rsa] == attendu
    assert lignes[non_recours.TOUTES] == attendu
    assert list(lignes) == [rsa, non_recours.TOUTES]  # la CSS n'a aucun droit ouvert


def test_petits_effectifs_masques_et_masquage_secondaire(jeu):
    entonnoir, par_prestation, montants = (
        t.proteger() for t in non_recours.entonnoir(ind.Filtres(MARS))
    )
    textes = {libelle: [str(c) for c in chiffres] for libelle, chiffres in entonnoir.lignes}
    assert textes["Non éligibles ou refus de la personne"] == ["< 5"]
    assert textes["Droits ouverts"] == ["6"]
    css = Prestation.objects.get(code="css_gratuite").libelle
    rsa = Prestation.objects.get(code="rsa").libelle
    par = {libelle: [str(c) for c in chiffres] for libelle, chiffres in par_prestation.lignes}
    # La CSS (2 foyers) est masquée ; le RSA, seul autre chiffre non nul de la colonne, l'est
    # aussi (« secret ») : sinon il se déduirait du total de l'entonnoir. Un zéro reste 0.
    assert par[css] == ["< 5", "< 5", "0", "0", "0"]
    assert par[rsa] == ["secret", "secret", "6", "6", "< 5"]
    m = {libelle: [str(c) for c in chiffres] for libelle, chiffres in montants.lignes}
    assert m[rsa][1:5] == [
        "3\u202f000,00\u00a0€",
        "2\u202f550,00\u00a0€",
        "30\u202f600,00\u00a0€",
        "35\u00a0jours",
    ]
    assert m[rsa][5] == "< 5"  # un seul droit ouvert sans montant accordé
    # Un seul site de moins de 5 foyers : tout ce qui n'est pas nul est masqué.
    petit = ind.Filtres(MARS, axes=("sante",))
    (e, _, mt) = non_recours.entonnoir(petit)
    assert [str(c) for _, chiffres in e.lignes for c in chiffres] == ["< 5", "< 5", "0", "0", "0"]
    assert mt.lignes == []
    # Une durée calculée sur moins de 5 foyers : « masqué : moins de 5 foyers ».
    assert str(Chiffre(12.5, 3, "j")) == "masqué : moins de 5 foyers"
    assert str(Chiffre(12.5, 7, "j")) == "12,5\u00a0jours"
    assert str(Chiffre(1.0, 7, "j")) == "1\u00a0jour"


def test_filtres_de_site_et_de_periode(jeu):
    autre = SiteFactory(code="mdh-b", nom="Maison B")
    vide = non_recours.entonnoir(ind.Filtres(MARS, sites=(autre.pk,)))
    assert [t.lignes for t in vide] == [[], [], []]
    # Février : s9 seul (repéré le 27/02, ouvert en mars), un seul foyer : masqué.
    fevrier = non_recours.entonnoir(ind.Filtres(Periode.mois(date(2026, 2, 1))))
    assert _valeurs(fevrier[0])["Droits ouverts"] == [(1, 1)]
    assert _valeurs(fevrier[2])[non_recours.TOUTES][2] == (Decimal("900.00"), 1)


def test_memes_chiffres_sur_les_lignes_et_par_les_agregats(jeu):
    from ccas_portal.pilotage.agregats import agreger
    from ccas_portal.pilotage.instantanes import calculer

    agreger()
    f = ind.Filtres(MARS)
    codes = ("entonnoir", "entonnoir_prestations", "droits_ouverts_montants")
    for axe in (None, "existence"):
        g = ind.Filtres(MARS, axes=(axe,)) if axe else f
        par_agregats = [t for t in calculer(g, axe)["tableaux"] if t["code"] in codes]
        sur_les_lignes = [
            t for t in calculer(g, axe, sur_les_lignes=True)["tableaux"] if t["code"] in codes
        ]
        assert [t["code"] for t in par_agregats] == list(codes)
        assert par_agregats == sur_les_lignes


def _trois_tableaux(f, sur_les_lignes=False):
    from ccas_portal.pilotage.instantanes import calculer

    codes = ("entonnoir", "entonnoir_prestations", "droits_ouverts_montants")
    tableaux = calculer(f, None, sur_les_lignes=sur_les_lignes)["tableaux"]
    return [t for t in tableaux if t["code"] in codes]


def test_changement_d_etat_apres_la_cloture_du_mois_refait_la_cohorte(jeu):
    """L'étape atteinte change après le mois de repérage : la nuit (incrémentale) refait la
    cohorte de mars pour un changement d'état d'aujourd'hui ou un montant accordé corrigé,
    même quand mars n'est plus un mois récent ; d'ici là, les agrégats donnent l'étape de
    la nuit d'avant (la page dit de quand ils datent). Bords : repéré le 31 mars à 23 h
    à Paris, le 1er avril à 0 h."""
    from ccas_portal.models import MoisAgrege
    from ccas_portal.pilotage import agregats
    from tests.ccas_portal.test_pilotage_agregats import _contenu_des_agregats

    agregats.agreger()
    mars = date(2026, 3, 1)
    calcule_le = MoisAgrege.objects.get(source="entonnoir", mois=mars).calcule_le
    periodes = [
        MARS,
        Periode.dates(date(2026, 3, 31), date(2026, 3, 31)),
        Periode.dates(date(2026, 3, 15), date(2026, 4, 10)),
        Periode.dates(date(2026, 1, 1), timezone.localdate()),
    ]
    for p in periodes:
        assert _trois_tableaux(ind.Filtres(p)) == _trois_tableaux(ind.Filtres(p), True)

    # s8 (repéré le 15 mars) contacté puis ouvert aujourd'hui, s7 (31 mars, 23 h) contacté
    # (noté après coup : il était non éligible), le montant accordé de s1 corrigé, c2
    # (1er avril, 0 h) contacté.
    changer_etat_signalement(
        agent=jeu.ts, signalement=jeu.s["s8"], etat=E.CONTACTE, venue_d_elle_meme=True
    )
    changer_etat_signalement(
        agent=jeu.ts,
        signalement=Signalement.objects.get(pk=jeu.s["s8"].pk),
        etat=E.DROIT_OUVERT,
        montant_accorde=Decimal("333.00"),
        date_debut=date(2026, 4, 1),
    )
    ChangementSignalement.objects.create(
        signalement=jeu.s["s7"], ancien=E.NOUVEAU, nouveau=E.CONTACTE, agent=jeu.ts
    )
    pf = Signalement.objects.get(pk=jeu.s["s1"].pk).prestation_foyer
    pf.montant_mensuel = Decimal("455.00")
    pf.save()
    changer_etat_signalement(
        agent=jeu.ts, signalement=jeu.s["c2"], etat=E.CONTACTE, venue_d_elle_meme=True
    )

    # Avant la nuit : les agrégats de mars sont ceux de la nuit d'avant.
    assert _valeurs(non_recours.entonnoir(ind.Filtres(MARS))[0])["Droits ouverts"] == [(6, 6)]
    with ind.lectures_de_la_page(ind.Filtres(MARS), sur_les_lignes=True):
        tableaux = non_recours.entonnoir(ind.Filtres(MARS))
    assert _valeurs(tableaux[0])["Droits ouverts"] == [(7, 7)]
    assert _valeurs(tableaux[0])["Contactés"] == [(10, 10)]

    refaits = agregats.agreger_la_nuit(mois_recents=0)
    assert MoisAgrege.objects.get(source="entonnoir", mois=mars).calcule_le > calcule_le
    assert MoisAgrege.objects.get(source="entonnoir", mois=date(2026, 4, 1)).calcule_le > (
        calcule_le
    )
    assert MoisAgrege.objects.get(source="entonnoir", mois=date(2026, 2, 1)).calcule_le == (
        calcule_le
    )
    assert refaits["entonnoir"] < MoisAgrege.objects.filter(source="entonnoir").count()
    for p in periodes:
        assert _trois_tableaux(ind.Filtres(p)) == _trois_tableaux(ind.Filtres(p), True), p
    montants = _valeurs(non_recours.entonnoir(ind.Filtres(MARS))[2])
    assert montants[non_recours.TOUTES][2] == (Decimal("2888.00"), 6)  # 2550 + 5 + 333
    incremental = _contenu_des_agregats()
    agregats.agreger()
    assert incremental == _contenu_des_agregats()


def test_page_graphique_et_exports(client, jeu):
    client.force_login(jeu.responsable)
    reponse = client.get(reverse("tableau_de_bord"), PARAMS_MARS)
    html = reponse.content.decode()
    assert reponse.status_code == 200
    assert 'id="graphique-entonnoir"' in html
    assert "Entonnoir du non-recours : signalements repérés dans la période" in html
    donnees = reponse.context["page"].tableau("entonnoir").donnees_graphique()
    assert donnees["horizontal"] is True
    assert donnees["axes"][0]["entier"] is True
    assert donnees["series"][0]["valeurs"] == [11, 8, 6, 6, None]
    for nom in ("Durand", "s1"):
        assert f">{nom}<" not in html
    url = reverse("export_tableau", args=["droits_ouverts_montants", "csv"])
    texte = client.get(url, PARAMS_MARS).content.decode("utf-8-sig")
    lignes = {r[0]: r[1:] for r in csv.reader(io.StringIO(texte), delimiter=";") if r}
    assert lignes[non_recours.TOUTES] == ["6", "3000,00", "2550,00", "30600,00", "35,0", "< 5"]
    xlsx = client.get(reverse("export_tableau", args=["entonnoir", "xlsx"]), PARAMS_MARS)
    assert xlsx.status_code == 200
    import openpyxl

    feuille = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    valeurs = {r[0].value: r[1].value for r in feuille.iter_rows() if r[0].value}
    assert valeurs["Repérés"] == 11
    assert valeurs["Non éligibles ou refus de la personne"] == "< 5"
    # La page d'un axe a aussi sa section.
    axe = client.get(reverse("tableau_de_bord_axe", args=["existence"]), PARAMS_MARS)
    assert axe.context["page"].tableau("entonnoir") is not None


def test_dossier_du_foyer_estime_et_accorde(client, jeu):
    s = Signalement.objects.select_related("prestation_foyer").get(pk=jeu.s["s4"].pk)
    assert s.montant_accorde == Decimal("600.00")
    assert s.ecart_accorde() == "+100,00\u00a0€ par mois (+20\u00a0%)"
    s1 = Signalement.objects.get(pk=jeu.s["s1"].pk)
    assert s1.ecart_accorde() == "\u221250,00\u00a0€ par mois (\u221210\u00a0%)"
    assert Signalement.objects.get(pk=jeu.s["s2"].pk).ecart_accorde() == "aucun écart"
    assert Signalement.objects.get(pk=jeu.s["s10"].pk).ecart_accorde() == ""  # non saisi
    client.force_login(jeu.ts)
    html = client.get(reverse("accompagnement:dossier", args=[s.foyer_id])).content.decode()
    assert "estimé 500,00\u00a0€ / accordé 600,00\u00a0€ par mois" in html
    assert (
        "Écart de l'accordé à l'estimation : +100,00\u00a0€ par mois (+20\u00a0%) ; "
        "versé depuis le 01/04/2026." in html
    )
    page = client.get(reverse("droits:signalement", args=[s.pk])).content.decode()
    assert "+100,00\u00a0€ par mois (+20\u00a0%)</dd>" in page


def test_nombre_de_requetes_quel_que_soit_le_volume(jeu, django_assert_num_queries):
    """Par les agrégats : les mois agrégés, les cellules, les intitulés (trois requêtes ; une
    de plus pour des jours de repérage non agrégés) ; sur les lignes : quatre."""
    from ccas_portal.pilotage.agregats import agreger

    f = ind.Filtres(MARS)
    agreger()

    def compter(attendu_agregats, attendu_lignes):
        with django_assert_num_queries(attendu_agregats):
            par_agregats = non_recours.entonnoir(f)
        with (
            ind.lectures_de_la_page(f, sur_les_lignes=True),
            django_assert_num_queries(attendu_lignes),
        ):
            sur_les_lignes = non_recours.entonnoir(f)
        assert [t.lignes for t in par_agregats] == [t.lignes for t in sur_les_lignes]
        return par_agregats

    compter(3, 4)
    aah = Prestation.objects.get(code="aah")
    for _ in range(6):
        s = Signalement.objects.create(
            foyer=foyer(jeu.ts, site=jeu.a), prestation=aah, montant_estime=100, empreinte="x"
        )
        Signalement.objects.filter(pk=s.pk).update(cree_le=a_paris(date(2026, 3, 3)))
        changer_etat_signalement(
            agent=jeu.ts,
            signalement=s,
            etat=E.DROIT_OUVERT,
            montant_accorde=Decimal(120),
            date_debut=date(2026, 4, 1),
        )
    agreger()
    tableaux = compter(3, 4)
    assert _valeurs(tableaux[0])["Droits ouverts"] == [(12, 12)]
    # Une période qui finit aujourd'hui : ses jours non agrégés comptés sur les lignes.
    f = ind.Filtres(Periode.dates(date(2026, 3, 1), timezone.localdate()))
    compter(4, 4)
