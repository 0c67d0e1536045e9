"""Catalogue des prestations et prestations demandées ou perçues par les foyers."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ccas_portal.models import EntreeJournal
from droits import services
from droits.axes import AXES
from droits.models import Prestation, PrestationFoyer
from habitants.services import ajouter_membre
from tests.factories import AgentFactory, SiteFactory, foyer, habitant

pytestmark = pytest.mark.django_db

LEGALES_ATTENDUES = {
    "rsa": ["rsa"],
    "prime_activite": ["ppa"],
    "aide_logement": ["aide_logement"],
    "css_gratuite": ["cmu_c"],
    "css_participation": ["css_participation_forfaitaire"],
    "aspa": ["aspa"],
    "aah": ["aah", "caah"],
    "allocations_familiales": ["af"],
    "complement_familial": ["cf"],
    "asf": ["asf"],
    "paje_base": ["paje_base"],
}


def test_le_catalogue_reflete_les_axes(referentiels):
    legales = {p.code: p.variables_openfisca for p in Prestation.objects.filter(nature="legale")}
    assert legales == LEGALES_ATTENDUES
    assert Prestation.objects.get(code="rsa").axe_id == "existence"
    assert Prestation.objects.get(code="aspa").axe_id == "bien_vieillir"
    assert Prestation.objects.filter(nature="facultative").count() == 4
    # Chaque prestation légale déclarée est dans un module d'axe, une seule fois.
    codes = [p.code for axe in AXES.values() for p in axe.prestations]
    assert len(codes) == len(set(codes))


def test_resynchroniser_garde_les_modifications_de_l_admin(referentiels):
    jeunes = Prestation.objects.get(code="aide_facultative_jeunes")
    jeunes.libelle = "Coup de pouce jeunes"
    jeunes.save()
    Prestation.objects.filter(code="rsa").update(actif=False, libelle="x")
    compte = services.synchroniser_prestations()
    assert compte["crees"] == 0
    jeunes.refresh_from_db()
    assert jeunes.libelle == "Coup de pouce jeunes"
    rsa = Prestation.objects.get(code="rsa")
    assert rsa.actif
    assert rsa.libelle == "Revenu de solidarité active (RSA)"


@pytest.fixture
def ts(referentiels):
    return AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-p")])


@pytest.fixture
def famille(ts):
    f = foyer(ts)
    parent = habitant(ts)
    ajouter_membre(
        agent=ts, foyer=f, habitant=parent, role="demandeur", date_debut=date(2020, 1, 1)
    )
    return f, parent


def test_enregistrer_puis_mettre_a_jour_une_prestation(ts, famille):
    f, parent = famille
    rsa = Prestation.objects.get(code="rsa")
    p = services.enregistrer_prestation(
        agent=ts,
        foyer=f,
        prestation=rsa,
        statut="demandee",
        source="declaration",
        beneficiaire=parent,
        date_demande=date(2026, 9, 1),
    )
    p = services.enregistrer_prestation(
        agent=ts,
        foyer=f,
        prestation=rsa,
        statut="percue",
        source="organisme",
        beneficiaire=parent,
        date_demande=date(2026, 9, 1),
        date_debut=date(2026, 10, 1),
        montant_mensuel=Decimal("646.52"),
        existante=p,
    )
    assert PrestationFoyer.objects.get() == p
    assert (p.statut, p.montant_mensuel) == ("percue", Decimal("646.52"))
    actions = list(
        EntreeJournal.objects.filter(objet_type="droits.prestationfoyer")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["creation", "modification"]


@pytest.mark.parametrize(
    ("champs", "message"),
    [
        ({"date_demande": timezone.localdate() + timedelta(days=2)}, "dans le futur"),
        ({"statut": "percue"}, "depuis quand"),
        (
            {"statut": "percue", "date_debut": date(2026, 5, 1), "date_fin": date(2026, 4, 1)},
            "La fin précède le début",
        ),
        ({"montant_mensuel": Decimal("-3")}, "négatif"),
    ],
)
def test_prestation_invalide_refusee_en_francais(ts, famille, champs, message):
    f, _ = famille
    champs = {"statut": "demandee", **champs}
    with pytest.raises(ValidationError, match=message):
        services.enregistrer_prestation(
            agent=ts,
            foyer=f,
            prestation=Prestation.objects.get(code="rsa"),
            source="declaration",
            **champs,
        )
    assert not PrestationFoyer.objects.exists()


def test_beneficiaire_hors_foyer_et_agents_non_autorises(ts, famille):
    f, _ = famille
    rsa = Prestation.objects.get(code="rsa")
    with pytest.raises(ValidationError, match="pas du foyer"):
        services.enregistrer_prestation(
            agent=ts,
            foyer=f,
            prestation=rsa,
            statut="demandee",
            source="declaration",
            beneficiaire=habitant(ts, prenoms="Autre"),
        )
    for agent in (
        AgentFactory(role="accueil", sites=[f.site]),
        AgentFactory(role="responsable", sites=[f.site]),
        AgentFactory(role="travailleur_social", sites=[SiteFactory(code="ailleurs")]),
    ):
        with pytest.raises(PermissionDenied):
            services.enregistrer_prestation(
                agent=agent, foyer=f, prestation=rsa, statut="demandee", source="declaration"
            )


def test_l_admin_ajoute_une_aide_facultative_mais_ne_modifie_pas_une_legale(client, referentiels):
    client.force_login(AgentFactory(role="admin"))
    reponse = client.post(
        reverse("admin:droits_prestation_add"),
        {
            "code": "aide_transport",
            "libelle": "Aide facultative transport",
            "axe": "existence",
            "description": "",
            "actif": "on",
        },
    )
    assert reponse.status_code == 302
    assert Prestation.objects.get(code="aide_transport").nature == "facultative"
    page = client.get(reverse("admin:droits_prestation_change", args=["rsa"])).content.decode()
    assert 'name="libelle"' not in page  # lecture seule
    assert 'name="actif"' in page
