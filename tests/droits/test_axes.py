import pytest

from droits.axes import AXES
from droits.models import Axe
from droits.services import synchroniser_axes

CODES_DU_PLAN = [
    "existence",
    "logement",
    "petite_enfance",
    "sante",
    "bien_vieillir",
    "acces_droits",
    "participation",
]


def test_les_sept_axes_du_plan_dans_l_ordre():
    assert list(AXES) == CODES_DU_PLAN
    assert AXES["logement"].libelle == "Le droit à un logement ou à un hébergement décent"
    assert AXES["sante"].libelle == "Le droit à la santé"
    for axe in AXES.values():
        assert axe.description
        assert axe.libelle_court


@pytest.mark.django_db
def test_synchroniser_axes_cree_met_a_jour_et_desactive():
    assert synchroniser_axes() == {"crees": 7, "mis_a_jour": 0, "desactives": 0}
    Axe.objects.create(
        code="ancien",
        ordre=99,
        libelle="Ancien",
        libelle_court="Ancien",
        description="Axe retiré du code",
    )
    Axe.objects.filter(code="sante").update(libelle="modifié à la main")
    assert synchroniser_axes() == {"crees": 0, "mis_a_jour": 7, "desactives": 1}
    assert Axe.objects.get(code="sante").libelle == "Le droit à la santé"
    assert not Axe.objects.get(code="ancien").actif
    assert list(Axe.objects.filter(actif=True).values_list("code", flat=True)) == CODES_DU_PLAN
