"""L'explication propre à chaque signalement : prestation exacte (APL, ALS, ALF selon les
règles d'OpenFisca-France), entrées du calcul, proximité d'un seuil (ressources ± 5 %), et
son affichage (page du signalement, file de travail)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from droits.detection import moteur
from droits.detection.decision import explication
from droits.detection.explication import expliquer, lire, seuil
from droits.detection.moteur import Sensibilite
from droits.detection.situation import FoyerSimule, Personne
from habitants.services import enregistrer_ressource
from tests.droits.conftest import MOIS, creer_foyer
from tests.droits.test_detection import alertes, executer

# Fixture de module coûteuse : tout le module dans un même processus (make test : --dist loadgroup).
pytestmark = pytest.mark.xdist_group("explication")

DEPUIS = date(2015, 1, 1)


def _foyer(id_, statut, salaire=0.0, enfants=0, conjoint=False, loyer=500.0):
    personnes = [
        Personne(
            id=id_ * 10,
            date_naissance=date(1990, 1, 1),
            role="demandeur",
            ressources=[("salaire_net", salaire, DEPUIS, None)] if salaire else [],
        )
    ]
    if conjoint:
        personnes.append(
            Personne(id=id_ * 10 + 9, date_naissance=date(1991, 1, 1), role="conjoint")
        )
    for k in range(enfants):
        personnes.append(
            Personne(id=id_ * 10 + 1 + k, date_naissance=date(2026, 3, 1), role="enfant")
        )
    return FoyerSimule(
        id=id_, depcom="38185", statut_occupation=statut, loyer=loyer, personnes=personnes
    )


def _foyer_augmente(id_):
    """Le foyer 3 (seul, 800 € de salaire, locataire du parc privé), dont le salaire passe à
    1 100 € au mois simulé : la prime d'activité de ce mois porte encore sur les 800 € des
    trois mois précédents."""
    foyer = _foyer(id_, "locataire_vide")
    foyer.personnes[0].ressources = [
        ("salaire_net", 800.0, DEPUIS, date(2026, 9, 30)),
        ("salaire_net", 1100.0, MOIS, None),
    ]
    return foyer


@pytest.fixture(scope="module")
def brut():
    """Une simulation vectorisée pour tous les foyers construits de ce module, leur
    re-simulation à ± 5 % (une seule autre simulation), et les mêmes sensibilités avec leurs
    seuils localisés (une simulation par tour de la localisation)."""
    foyers = [
        _foyer(1, "locataire_hlm", 800),  # conventionné, seul → APL
        _foyer(2, "locataire_vide", 800, enfants=1),  # non conventionné, un enfant → ALF
        _foyer(3, "locataire_vide", 800),  # non conventionné, seul → ALS
        _foyer(4, "locataire_hlm", 800, enfants=1),  # conventionné avec enfant → APL
        _foyer(5, "locataire_vide", 1300),  # l'ALS s'éteint à + 5 % de ressources
        _foyer(6, "locataire_vide", 2900, enfants=1, conjoint=True),  # PAJE au taux partiel
        _foyer(7, "locataire_vide", 3000, enfants=1, conjoint=True),  # loin du taux plein
        _foyer_augmente(8),  # le foyer 3, augmenté au mois simulé
    ]
    resultats = moteur.simuler(foyers, MOIS)
    sensibles = moteur.sensibilite(foyers, MOIS, 0.05)
    localises = {f: dict(s) for f, s in sensibles.items()}
    moteur.localiser_les_seuils_proches(foyers, resultats, localises, MOIS)
    return foyers, resultats, sensibles, localises


@pytest.fixture(scope="module")
def simules(brut):
    """{foyer : {prestation : explication}}."""
    foyers, resultats, _, sensibles = brut
    return {
        f.id: {
            e.prestation: expliquer(
                explication(f, MOIS), e, sensibles[f.id], {d.prestation for d in resultats[f.id]}
            )
            for e in resultats[f.id]
        }
        for f in foyers
    }


@pytest.mark.moteur
def test_la_re_simulation_par_morceaux_donne_les_memes_montants(brut):
    """Au plus 4 foyers par simulation (la taille d'un lot) : les mêmes montants qu'en une."""
    foyers, _, sensibles, _ = brut
    par_morceaux = moteur.sensibilite(foyers[4:], MOIS, 0.05, taille=4)
    assert par_morceaux == {f.id: sensibles[f.id] for f in foyers[4:]}
    assert par_morceaux[5]["aide_logement"].montant_si_hausse is None


@pytest.mark.parametrize(
    ("foyer", "exacte", "personnes_a_charge"),
    [(1, "apl", 0), (2, "alf", 1), (3, "als", 0), (4, "apl", 1)],
)
def test_la_prestation_exacte_d_aide_au_logement(simules, foyer, exacte, personnes_a_charge):
    x = simules[foyer]["aide_logement"]
    assert list(x["composantes"]) == [exacte]
    assert x["composantes"][exacte] > 0
    assert x["entrees"]["al_nb_personnes_a_charge"] == personnes_a_charge
    assert x["entrees"]["aide_logement_loyer_retenu"] > 0
    # 800 € nets par mois : ressources retenues annuelles, du même ordre que 12 × 800.
    assert 8000 <= x["entrees"]["aide_logement_base_ressources"] <= 10000
    lisible = lire(x, "aide_logement", 100)
    sigle = exacte.upper()
    assert lisible.prestation_exacte[0].startswith(sigle + " (")
    assert lisible.resume_court == sigle


def test_les_entrees_du_calcul_sont_nommees_et_ecrites_en_francais(simules):
    x = simules[3]["aide_logement"]
    lisible = lire(x, "aide_logement", 190)
    libelles = dict(lisible.entrees)
    assert set(libelles) == {
        "ressources retenues par la CAF (12 mois glissants, par an)",
        "loyer retenu (plafonné, hors charges)",
        "personnes à charge",
    }
    base = libelles["ressources retenues par la CAF (12 mois glissants, par an)"]
    assert base.endswith("\u00a0€ par an")
    assert "\u202f" in base
    assert libelles["personnes à charge"] == "0"
    # Les entrées de la prime d'activité, pour le même foyer.
    assert simules[3]["prime_activite"]["entrees"]["ppa_revenu_activite"] == 800.0
    # Commun au foyer : mois, composition, âges.
    assert (x["mois"], x["personnes"], x["ages"]) == ("10/2026", 1, [36])


def test_les_entrees_de_la_prime_d_activite_sont_celles_de_son_trimestre(brut, simules):
    """La prime du mois M moyenne les primes « fictives » de M-3 à M-1 : ses entrées sont
    lues sur ces trois mois, pas sur le mois simulé. Le foyer 8 gagne 1 100 € ce mois-ci et
    800 € les mois d'avant : sa prime et ses entrées sont celles du foyer 3 (800 € tout du
    long), et la ligne des ressources de l'explication, elle, dit le mois simulé."""
    _, resultats, _, _ = brut
    montants = {f: {e.prestation: e.montant for e in resultats[f]} for f in (3, 8)}
    assert montants[8]["prime_activite"] == montants[3]["prime_activite"] > 0
    entrees = simules[8]["prime_activite"]["entrees"]
    assert entrees == simules[3]["prime_activite"]["entrees"]
    assert entrees["ppa_revenu_activite"] == 800.0
    assert 800.0 <= entrees["ppa_base_ressources"] < 1100.0
    assert simules[8]["prime_activite"]["ressources_mensuelles_nettes"] == 1100.0
    assert "revenus d'activité retenus (3 derniers mois, par mois)" in dict(
        lire(simules[8]["prime_activite"], "prime_activite", montants[8]["prime_activite"]).entrees
    )


@pytest.fixture(scope="module")
def de_part_et_d_autre(simules):
    """Le contrôle des seuils localisés, par OpenFisca seul : pour chaque seuil de ce module,
    le foyer refait avec un salaire qui s'écarte du sien, dans le sens du seuil, de l'écart
    annoncé moins puis plus sa précision et l'arrondi à l'euro (juste en deçà du seuil, juste
    au-delà), en une simulation. {(foyer, prestation) : {"avant" : montants en deçà, "apres" :
    montants au-delà}}."""
    cas = {(5, "aide_logement"): {}, (6, "paje_base"): {}, (3, "css_participation"): {}}
    construits = {5: ("locataire_vide", 1300, 0, False), 6: ("locataire_vide", 2900, 1, True)}
    construits[3] = ("locataire_vide", 800, 0, False)
    foyers, reperes = [], {}
    for rang, (id_, code) in enumerate(cas):
        s = simules[id_][code]["seuil"]
        statut, salaire, enfants, conjoint = construits[id_]
        sens = -1 if s["cas"] == "si_baisse" else 1
        marge = s["precision"] + 1
        for cote, ecart in (
            ("avant", s["ressources_ecart"] - marge),
            ("apres", s["ressources_ecart"] + marge),
        ):
            nouveau = 100 + 10 * rang + (cote == "apres")
            foyers.append(
                _foyer(nouveau, statut, salaire + sens * ecart, enfants=enfants, conjoint=conjoint)
            )
            reperes[nouveau] = (id_, code, cote)
    controle = {}
    for f_id, estimations in moteur.simuler(foyers, MOIS).items():
        id_, code, cote = reperes[f_id]
        controle.setdefault((id_, code), {})[cote] = {e.prestation: e.montant for e in estimations}
    return controle


def test_seuil_proche_l_aide_au_logement_s_eteint_avec_un_peu_plus_de_ressources(
    simules, de_part_et_d_autre
):
    """1 300 € nets, seul, 500 € de loyer : l'ALS s'éteint quelques dizaines d'euros plus
    haut. Le seuil est localisé (à 5 € près) : OpenFisca seul, avec un salaire juste en deçà,
    donne encore l'ALS ; juste au-delà, plus."""
    x = simules[5]["aide_logement"]
    assert x["sensibilite"] == 5
    s = x["seuil"]
    assert (s["cas"], s["pourcentage"], s["montant_si"]) == ("perte", 5, None)
    assert 0 < s["precision"] <= 5
    assert 0 < s["ressources_ecart"] < 65  # 5 % de 1 300 €
    assert s["facteur"] == pytest.approx(1 + s["ressources_ecart"] / 1300, abs=0.001)
    avant, apres = de_part_et_d_autre[5, "aide_logement"].values()
    assert avant["aide_logement"] > 0
    assert "aide_logement" not in apres
    lisible = lire(x, "aide_logement", 16)
    ecart = f"{int(s['ressources_ecart'])}\u00a0€"
    assert lisible.seuil.startswith(
        f"Proche d'un seuil : les ressources du foyer sont à environ {ecart} par mois sous le "
        f"plafond de ce droit (à "
    )
    assert lisible.seuil.endswith(
        f"près) : avec {ecart} de plus par mois, ce droit ne serait plus ouvert."
    )
    assert lisible.a_verifier.startswith("les ressources des 12 derniers mois")
    assert (
        lisible.resume_court
        == f"ALS — proche d'un seuil : plus ouvert avec {ecart} de plus par mois"
    )


def test_seuil_loin_pas_d_avertissement(simules):
    for foyer in (1, 2, 3):
        x = simules[foyer]["aide_logement"]
        assert x["sensibilite"] == 5
        assert "seuil" not in x
        assert lire(x, "aide_logement", 1).seuil == ""
    # RSA d'une personne sans ressource : faire varier des ressources nulles ne dit rien.
    sans = expliquer(
        explication(_foyer(8, "locataire_vide"), MOIS),
        moteur.Estimation("rsa", 573.49, True),
        {"rsa": Sensibilite(0.05, 573.49, None)},
        {"rsa"},
    )
    assert "seuil" not in sans


def test_seuil_proche_du_taux_plein_de_la_paje(simules, de_part_et_d_autre):
    """Au taux partiel, juste au-dessus du plafond du taux plein : avec quelques dizaines
    d'euros de ressources en moins, la PAJE de base passerait au taux plein (le double). Le
    plafond est localisé : OpenFisca seul donne le taux partiel à un salaire juste en deçà de
    l'écart annoncé, le taux plein juste au-delà."""
    proche = simules[6]["paje_base"]
    s = proche["seuil"]
    assert s["cas"] == "si_baisse"
    montant_partiel = 99.58
    assert s["montant_si"] == pytest.approx(2 * montant_partiel, abs=0.02)
    assert 0 < s["ressources_ecart"] < 145  # 5 % de 2 900 €
    avant, apres = de_part_et_d_autre[6, "paje_base"].values()
    assert avant["paje_base"] == montant_partiel
    assert apres["paje_base"] == pytest.approx(2 * montant_partiel, abs=0.02)  # taux plein
    lisible = lire(proche, "paje_base", montant_partiel)
    ecart = f"{int(s['ressources_ecart'])}\u00a0€"
    assert f"environ {ecart} par mois au-dessus du seuil où le barème change" in lisible.seuil
    assert f"avec {ecart} de moins par mois, le montant estimé serait de 199,15" in lisible.seuil
    assert "au lieu de 99,58\u00a0€" in lisible.seuil
    assert "revenus de l'année N-2" in lisible.a_verifier
    loin = simules[7]["paje_base"]
    assert "seuil" not in loin
    assert loin["sensibilite"] == 5


def test_une_pente_raide_n_est_pas_un_seuil(brut, simules):
    """La prime d'activité du même foyer baisse vite entre − 5 % et + 5 % (la règle du saut
    d'un côté la retient), mais la localisation ne trouve aucun saut : pas d'avertissement."""
    _, resultats, sensibles, localises = brut
    montant = next(e.montant for e in resultats[6] if e.prestation == "prime_activite")
    assert seuil(montant, sensibles[6]["prime_activite"], 2900) is not None
    assert not localises[6]["prime_activite"].localise.est_un_saut()
    assert "seuil" not in simules[6]["prime_activite"]


def test_seuil_d_une_prestation_remplacee_par_une_autre(simules, de_part_et_d_autre):
    """800 € nets, seul : CSS avec participation ; avec quelques dizaines d'euros de moins,
    la CSS sans participation à la place (la participation disparaît, le droit ne se perd
    pas)."""
    x = simules[3]["css_participation"]
    assert "css_gratuite" not in simules[3]
    s = x["seuil"]
    assert s["cas"] == "si_baisse"
    assert s["remplacee_par"] == ["css_gratuite"]
    assert 0 < s["ressources_ecart"] < 40  # 5 % de 800 €
    avant, apres = de_part_et_d_autre[3, "css_participation"].values()
    assert "css_participation" in avant
    assert "css_gratuite" not in avant
    assert "css_participation" not in apres
    assert "css_gratuite" in apres
    lisible = lire(x, "css_participation", 14)
    ecart = f"{int(s['ressources_ecart'])}\u00a0€"
    assert f"environ {ecart} par mois au-dessus du seuil de ce droit" in lisible.seuil
    assert lisible.seuil.endswith(
        "ce droit ne serait plus ouvert ; à la place : "
        "Complémentaire santé solidaire sans participation."
    )
    assert lisible.seuil_court == (
        "remplacé par Complémentaire santé solidaire sans participation avec "
        f"{ecart} de moins par mois"
    )
    assert lisible.a_verifier.startswith("les ressources des 12 mois précédant la demande")


def test_un_seuil_range_avant_la_localisation_se_lit_toujours():
    """Les signalements écrits avant la localisation gardent leur seuil « à 5 % » jusqu'à
    leur prochaine re-simulation : il se lit comme avant."""
    x = {
        "sensibilite": 5,
        "seuil": {"cas": "perte", "pourcentage": 5, "ressources_ecart": 65.0, "montant_si": None},
    }
    lisible = lire(x, "aide_logement", 16)
    assert lisible.seuil == (
        "Proche d'un seuil : avec toutes les ressources du foyer 5\u00a0% plus élevées "
        "(environ 65,00\u00a0€ de plus par mois), ce droit ne serait plus ouvert."
    )
    assert lisible.seuil_court == "plus ouvert avec des ressources 5\u00a0% plus élevées"


@pytest.mark.parametrize(
    ("montant", "bas", "haut", "cas"),
    [
        (300.0, 330.0, 270.0, None),  # pente ordinaire : autant dans les deux sens
        (300.0, 330.0, None, "perte"),
        (99.58, 199.15, 99.58, "si_baisse"),  # taux partiel → taux plein
        (199.15, 199.15, 99.58, "si_hausse"),
        (196.36, 209.76, 162.23, None),  # coude de la prime d'activité (11 %) : pas un seuil
        (20.0, 25.0, 9.0, None),  # écart de 6 € : sous le minimum de 10 €
    ],
)
def test_regle_du_seuil(montant, bas, haut, cas):
    trouve = seuil(montant, Sensibilite(0.05, bas, haut), 1000.0)
    assert (trouve or {}).get("cas") == cas


@pytest.fixture
def pres_du_seuil(ts):
    """Une personne seule au parc privé dont l'ALS s'éteint avec 5 % de ressources en plus."""
    return creer_foyer(
        ts,
        ("Inès", date(1990, 1, 1), "demandeur", [("salaire_net", "1300", date(2015, 1, 1))]),
        loyer="500",
    )


@pytest.mark.moteur
@pytest.mark.django_db
def test_la_detection_range_l_explication_propre_a_chaque_signalement(
    ts, seul_sans_revenu, pres_du_seuil, monkeypatch
):
    executer()
    sans, _ = seul_sans_revenu
    rsa, logement = alertes(sans)["rsa"], alertes(sans)["aide_logement"]
    assert logement.explication["composantes"] == {"als": 308.0}
    assert "composantes" not in rsa.explication
    assert rsa.explication["entrees"]["rsa_base_ressources"] == 0
    assert rsa.explication != logement.explication  # une explication par signalement
    assert "seuil" not in logement.explication
    assert logement.explication["sensibilite"] == 5
    proche = alertes(pres_du_seuil[0])["aide_logement"]
    assert proche.explication["seuil"]["cas"] == "perte"
    # Rejouée sans changement : aucun foyer re-simulé, le seuil repris, rien n'est réécrit.
    modifie, avant = proche.modifie_le, proche.explication
    resimules = []
    vraie = moteur.sensibilite
    monkeypatch.setattr(
        moteur, "sensibilite", lambda foyers, *a: resimules.append(foyers) or vraie(foyers, *a)
    )
    executer()
    assert resimules == []
    proche.refresh_from_db()
    assert proche.modifie_le == modifie
    assert proche.explication == avant
    # Une pension alimentaire pour Inès : son foyer seul est re-simulé.
    enregistrer_ressource(
        agent=ts,
        habitant=pres_du_seuil[1][0],
        type="pension_alimentaire_recue",
        montant_mensuel=Decimal("50"),
        date_debut=date(2025, 1, 1),
    )
    executer()
    assert [[f.id for f in foyers] for foyers in resimules] == [[pres_du_seuil[0].pk]]


@pytest.mark.moteur
@pytest.mark.django_db
def test_page_et_file_montrent_l_explication(client, ts, seul_sans_revenu, pres_du_seuil):
    executer()
    client.force_login(ts)
    proche = alertes(pres_du_seuil[0])["aide_logement"]
    html = client.get(reverse("droits:signalement", args=[proche.pk])).content.decode()
    assert "Prestation exacte : <strong>ALS (allocation de logement sociale)" in html
    assert "Loyer retenu (plafonné, hors charges)" in html
    assert 'id="seuil-proche"' in html
    assert "Proche d&#x27;un seuil" in html
    assert "À vérifier avec la personne : les ressources des 12 derniers mois" in html
    loin = alertes(seul_sans_revenu[0])["aide_logement"]
    html = client.get(reverse("droits:signalement", args=[loin.pk])).content.decode()
    assert "Pas de seuil proche" in html
    assert "À vérifier avec la personne" not in html
    file = client.get(reverse("droits:signalements")).content.decode()
    assert file.count('class="d-block small explication-courte"') == 2  # les deux ALS
    ecart = int(proche.explication["seuil"]["ressources_ecart"])
    assert 0 < ecart < 65  # 5 % de 1 300 €
    assert (
        'ALS — <span class="badge text-bg-warning">proche d\'un seuil</span> plus ouvert '
        f"avec {ecart}\u00a0€ de plus par mois"
    ) in file
