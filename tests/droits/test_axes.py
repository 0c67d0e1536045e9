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


def test_une_entree_trimestrielle_l_est_partout():
    """Le moteur range chaque variable lue une seule fois (`moteur.simuler`) : une entrée lue
    sur le trimestre de référence ne l'est pas ailleurs sur le mois simulé, ni comme
    composante ; la somme des composantes n'est déclarée que pour une prestation à une seule
    variable, qui en a."""
    entrees = [e for axe in AXES.values() for p in axe.prestations for e in p.entrees]
    trimestrielles = {e.variable for e in entrees if e.trimestre}
    assert trimestrielles == {"ppa_base_ressources", "ppa_revenu_activite"}
    assert not {e.variable for e in entrees if not e.trimestre} & trimestrielles
    composantes = {
        c.variable for axe in AXES.values() for p in axe.prestations for c in p.composantes
    }
    assert not composantes & trimestrielles
    sommes = [p for axe in AXES.values() for p in axe.prestations if p.somme_des_composantes]
    assert [p.code for p in sommes] == ["aide_logement"]
    assert all(len(p.variables) == 1 and len(p.composantes) > 1 for p in sommes)
