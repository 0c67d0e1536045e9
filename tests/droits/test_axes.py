import pytest

from ccas_portal.models import Axe
from droits.axes import AXES
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


def test_chaque_axe_declare_ses_domaines():
    for axe in AXES.values():
        assert axe.modeles_objectifs, axe.code
        assert axe.faits, axe.code
        assert axe.indicateurs, axe.code
    faits_logement = {f.code for f in AXES["logement"].faits}
    assert {
        "numero_demande_logement_social",
        "date_demande_logement_social",
        "demande_siao",
        "recours_dalo",
    } <= faits_logement
    assert {"mode_accueil_demande", "mode_accueil_obtenu", "accueil_depuis"} <= {
        f.code for f in AXES["petite_enfance"].faits
    }
    assert {"couverture_maladie", "medecin_traitant", "soins_renonces"} <= {
        f.code for f in AXES["sante"].faits
    }


def test_valider_faits_nettoie_et_refuse_en_francais():
    from django.core.exceptions import ValidationError

    logement = AXES["logement"]
    assert logement.valider_faits(
        {
            "numero_demande_logement_social": " 038-1234 ",
            "date_demande_logement_social": "2026-02-01",
            "demande_siao": True,
            "recours_dalo": "depose",
            "date_demande_siao": "",
        }
    ) == {
        "numero_demande_logement_social": "038-1234",
        "date_demande_logement_social": "2026-02-01",
        "demande_siao": True,
        "recours_dalo": "depose",
    }
    with pytest.raises(ValidationError) as erreur:
        logement.valider_faits(
            {
                "date_demande_logement_social": "01/02/2026",
                "recours_dalo": "peut-etre",
                "demande_siao": "oui",
                "medecin_traitant": True,
            }
        )
    messages = erreur.value.message_dict
    assert "date attendue" in messages["date_demande_logement_social"][0]
    assert "choix « peut-etre » inconnu" in messages["recours_dalo"][0]
    assert "oui ou non attendu" in messages["demande_siao"][0]
    assert "Fait inconnu pour l'axe « Logement et hébergement »" in messages["medecin_traitant"][0]
