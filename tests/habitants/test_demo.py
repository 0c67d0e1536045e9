"""Population et passages de démonstration (`habitants.demo`) : des foyers et un accueil
crédibles (âges et rôles, adresses et sites, motifs et âges, plus d'un an de passages)."""

from datetime import date, timedelta

import pytest

from ccas_portal.demo import creer_comptes_demo
from ccas_portal.models import Site
from habitants.demo import Generateur, creer_passages, creer_population, motif_convient
from habitants.models import Foyer, Habitant, MembreFoyer, Passage
from tests import invariants_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(referentiels):
    creer_comptes_demo()
    creer_population(foyers=240, graine=11)


def test_ages_et_roles_coherents(population):
    invariants_demo.verifier_compositions()
    invariants_demo.verifier_ressources()
    invariants_demo.verifier_historiques()
    # De tout : personnes seules, couples, familles, personnes âgées.
    tailles = {
        Foyer.objects.get(pk=pk).membres.count()
        for pk in Foyer.objects.values_list("pk", flat=True)[:80]
    }
    assert {1, 2} <= tailles
    assert max(tailles) >= 4
    assert MembreFoyer.objects.filter(role="autre_adulte").exists()


def test_la_plupart_des_adultes_ont_recu_l_information_rgpd(population):
    invariants_demo.verifier_information_rgpd()


def test_chaque_foyer_habite_la_commune_de_son_site(population):
    invariants_demo.verifier_adresses()
    assert set(Foyer.objects.values_list("commune", flat=True)) == {"Grenoble"}
    assert Foyer.objects.values("quartier").distinct().count() == 8


def test_un_echantillon_passe_la_validation_des_modeles(population):
    for objet in [
        *Foyer.objects.all()[:20],
        *Habitant.objects.all()[:40],
        *MembreFoyer.objects.all()[:40],
    ]:
        objet.full_clean()


def test_passages_d_adultes_pour_des_motifs_de_leur_age_sur_plus_d_un_an(population):
    total = creer_passages(jours=300, par_jour_et_site=4, graine=11)
    assert total == Passage.objects.count()
    invariants_demo.verifier_passages()
    invariants_demo.verifier_activite_passages()
    # Une personne de 75 ans ou plus vient surtout pour un motif de son âge.
    limite = date.today() - timedelta(days=76 * 365)
    aines = Passage.objects.filter(habitant__date_naissance__lt=limite)
    pour_leur_age = aines.filter(motifs__in=invariants_demo.MOTIFS_AGES).distinct().count()
    print(f"passages de 75 ans et plus : {aines.count()}, dont {pour_leur_age} pour leur âge")
    assert pour_leur_age >= 0.4 * aines.count() > 0


@pytest.mark.parametrize(
    ("code", "age", "parent", "attendu"),
    [
        ("isolement", 59, False, False),
        ("isolement", 60, False, True),
        ("impayes_loyer", 12, True, False),
        ("impayes_loyer", 17, False, False),
        ("impayes_loyer", 18, False, True),
        ("jeunes_adultes", 26, False, False),
        ("jeunes_adultes", 19, False, True),
        ("mode_accueil", 30, False, False),
        ("mode_accueil", 30, True, True),
        ("motif_ajoute_par_l_admin", 40, False, True),
    ],
)
def test_motif_convient(code, age, parent, attendu):
    assert motif_convient(code, age, parent) is attendu


def test_meme_graine_meme_population(referentiels):
    site = Site.objects.get(code="mdh-abbaye")

    def tirer():
        generateur = Generateur(graine=42, aujourd_hui=date(2026, 6, 1))
        return [
            [(h.nom_usage, h.prenoms, h.date_naissance, role, debut) for h, role, debut in membres]
            + [foyer.adresse]
            for foyer, membres in (generateur.composition(site) for _ in range(30))
        ]

    assert tirer() == tirer()
