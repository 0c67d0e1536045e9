"""Les services du dossier social : validations, journal (avec les valeurs d'avant), faits du
foyer marqués modifiés, réservé aux travailleurs sociaux pour ressources, santé, situation."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ccas_portal.models import EntreeJournal
from habitants import services
from habitants.models import Foyer, MembreFoyer, Ressource
from habitants.ressources import mois_precedents, totaux
from tests.factories import foyer, habitant


@pytest.fixture
def famille(travailleur):
    f = foyer(travailleur)
    h = habitant(travailleur, date_naissance=date(1980, 5, 1), sexe="F")
    services.ajouter_membre(
        agent=travailleur, foyer=f, habitant=h, role="demandeur", date_debut=date(2020, 1, 1)
    )
    return f, h


def _vieillir(f):
    """Recule la date des faits du foyer, pour voir si un service la repose."""
    Foyer.objects.filter(pk=f.pk).update(faits_modifies_le=timezone.now() - timedelta(days=3))


def _faits_modifies(f) -> bool:
    return Foyer.objects.get(pk=f.pk).faits_modifies_le > timezone.now() - timedelta(minutes=1)


def _derniere(f):
    return EntreeJournal.objects.filter(objet_type="habitants.foyer", objet_id=str(f.pk)).first()


def test_rectifier_identite_journalise_l_ancienne_valeur(travailleur, famille):
    f, h = famille
    _vieillir(f)
    services.rectifier_identite(agent=travailleur, habitant=h, telephone="06 12 34 56 78")
    entree = _derniere(f)
    assert entree.agent == travailleur
    assert entree.action == "modification"
    assert entree.details["avant"] == {"Téléphone": "—"}
    assert entree.details["apres"] == {"Téléphone": "06 12 34 56 78"}
    assert _faits_modifies(f)


def test_rectifier_identite_refuse_un_telephone_invalide(travailleur, famille):
    _, h = famille
    with pytest.raises(ValidationError) as erreur:
        services.rectifier_identite(agent=travailleur, habitant=h, telephone="12")
    assert "telephone" in erreur.value.error_dict


def test_situation_personnelle(travailleur, famille):
    f, h = famille
    _vieillir(f)
    services.modifier_situation_personnelle(
        agent=travailleur,
        habitant=h,
        statut_marital="marie",
        statut_marital_depuis=date(2015, 6, 20),
        activite="salarie",
    )
    h.refresh_from_db()
    assert h.activite == "salarie"
    assert list(h.situations_conjugales.values_list("statut", "date_debut")) == [
        ("marie", date(2015, 6, 20))
    ]
    conjugale, activite = EntreeJournal.objects.filter(
        objet_type="habitants.foyer", objet_id=str(f.pk)
    ).order_by("pk")
    assert conjugale.action == "creation"
    assert conjugale.details["apres"] == {
        "Situation conjugale": "Marié(e)",
        "Depuis le": "20/06/2015",
    }
    assert activite.details["avant"] == {"Situation d'activité": "Non renseignée"}
    assert _faits_modifies(f)
    # Sans nouvelle situation conjugale : l'activité seule change, l'historique reste.
    services.modifier_situation_personnelle(agent=travailleur, habitant=h, activite="retraite")
    assert h.situations_conjugales.count() == 1


def test_situation_personnelle_validations(travailleur, agent_accueil, famille):
    _, h = famille
    with pytest.raises(ValidationError) as erreur:
        services.modifier_situation_personnelle(
            agent=travailleur,
            habitant=h,
            statut_marital="",
            statut_marital_depuis=date(2015, 1, 1),
            activite="",
        )
    assert "statut_marital" in erreur.value.error_dict
    with pytest.raises(ValidationError) as erreur:
        services.modifier_situation_personnelle(
            agent=travailleur,
            habitant=h,
            statut_marital="marie",
            statut_marital_depuis=date(1970, 1, 1),  # avant la naissance
            activite="",
        )
    assert "naissance" in str(erreur.value.error_dict["statut_marital_depuis"])
    with pytest.raises(PermissionDenied):
        services.modifier_situation_personnelle(
            agent=agent_accueil,
            habitant=h,
            statut_marital="marie",
            statut_marital_depuis=None,
            activite="",
        )


def test_sante_reservee_et_journalisee(travailleur, agent_accueil, famille):
    f, h = famille
    with pytest.raises(PermissionDenied):
        services.modifier_sante(
            agent=agent_accueil, habitant=h, taux_incapacite=50, reconnaissance_mdph=False
        )
    _vieillir(f)
    services.modifier_sante(
        agent=travailleur,
        habitant=h,
        taux_incapacite=80,
        reconnaissance_mdph=True,
        date_reconnaissance_mdph=date(2024, 3, 1),
    )
    assert _derniere(f).details["avant"]["Taux d'incapacité (%)"] == "—"
    assert _faits_modifies(f)
    services.modifier_sante(
        agent=travailleur, habitant=h, taux_incapacite=50, reconnaissance_mdph=True
    )
    assert _derniere(f).details["avant"]["Taux d'incapacité (%)"] == "80"
    with pytest.raises(ValidationError):
        services.modifier_sante(
            agent=travailleur, habitant=h, taux_incapacite=101, reconnaissance_mdph=False
        )
    with pytest.raises(ValidationError):
        services.modifier_sante(
            agent=travailleur,
            habitant=h,
            taux_incapacite=None,
            reconnaissance_mdph=False,
            date_reconnaissance_mdph=date(2024, 1, 1),
        )


def test_logement_loyer_et_validations(travailleur, agent_accueil, famille):
    from habitants import historique

    f, _ = famille
    _vieillir(f)
    services.modifier_logement(
        agent=travailleur,
        foyer=f,
        statut_occupation="locataire_parc_prive",
        type_bailleur="prive",
    )
    entree = _derniere(f)
    assert entree.details["avant"]["Statut d'occupation"] == "Locataire du parc social"
    assert _faits_modifies(f)
    historique.enregistrer_loyer(
        agent=travailleur,
        foyer=f,
        loyer_mensuel=Decimal("650"),
        charges_mensuelles=Decimal("80"),
        date_debut=date(2024, 1, 1),
    )
    cas = [
        # Un loyer court : pas de statut sans loyer avant d'en avoir indiqué la fin.
        ({"statut_occupation": "proprietaire"}, "statut_occupation"),
        ({"statut_occupation": "locataire_parc_social", "type_bailleur": "prive"}, "type_bailleur"),
        ({"code_postal": "75001"}, "code_postal"),  # pas Grenoble
        ({"code_insee": "99999"}, "code_insee"),
    ]
    for champs, champ in cas:
        with pytest.raises(ValidationError) as erreur:
            services.modifier_logement(
                agent=travailleur, foyer=Foyer.objects.get(pk=f.pk), **champs
            )
        assert champ in erreur.value.error_dict, champs
    with pytest.raises(ValueError, match="non modifiables"):
        services.modifier_logement(agent=travailleur, foyer=f, loyer_mensuel=Decimal("1"))
    # L'accueil peut corriger l'adresse.
    services.modifier_logement(agent=agent_accueil, foyer=f, adresse="3 rue Très-Cloîtres")
    assert Foyer.objects.get(pk=f.pk).adresse == "3 rue Très-Cloîtres"


def test_verifier_commune():
    assert services.verifier_commune("38000", "Grenoble") == "38185"
    assert services.verifier_commune("38000", "grenoble") == "38185"
    with pytest.raises(ValidationError) as erreur:
        services.verifier_commune("38000", "Lyon")
    assert erreur.value.error_dict["commune"][0].message == (
        "« Lyon » n'a pas le code postal 38000, qui est celui de : Grenoble."
    )
    # Un code postal de plusieurs communes, sans commune : on demande laquelle.
    with pytest.raises(ValidationError) as erreur:
        services.verifier_commune("38560", "")
    assert erreur.value.error_dict["commune"][0].message == (
        "Le code postal 38560 couvre plusieurs communes (Champ-sur-Drac, Jarrie) : précisez-la."
    )
    assert services.verifier_commune("38560", "jarrie") == services.verifier_commune(
        "38560", "Jarrie"
    )
    with pytest.raises(ValidationError) as erreur:
        services.verifier_commune("00000", "")
    assert "code_postal" in erreur.value.error_dict


def test_creer_foyer_de_la_personne(agent_accueil):
    h = habitant(agent_accueil, date_naissance=date(1990, 1, 1))
    f = services.creer_foyer_de(
        agent=agent_accueil,
        habitant=h,
        date_debut=date(2025, 1, 1),
        adresse="5 rue Lesdiguières",
        code_postal="38000",
        code_insee="38185",
        statut_occupation="locataire_parc_prive",
    )
    membre = MembreFoyer.objects.get(habitant=h, date_fin__isnull=True)
    assert (membre.foyer, membre.role) == (f, "demandeur")
    assert f.commune == "Grenoble"
    assert _derniere(f).action == "creation"
    with pytest.raises(ValidationError):
        services.creer_foyer_de(
            agent=agent_accueil,
            habitant=habitant(agent_accueil, prenoms="Léa", date_naissance=date(2024, 1, 1)),
            date_debut=date(2020, 1, 1),  # avant la naissance
            adresse="5 rue Lesdiguières",
            code_postal="38000",
            code_insee="38185",
            statut_occupation="locataire_parc_prive",
        )


def test_demenagement_garde_l_historique_et_journalise_les_deux_foyers(travailleur, famille):
    ancien, h = famille
    nouveau = foyer(travailleur, adresse="8 avenue Alsace-Lorraine")
    _vieillir(ancien)
    services.rattacher_au_foyer(
        agent=travailleur, habitant=h, foyer=nouveau, role="demandeur", date_debut=date(2025, 3, 1)
    )
    appartenances = list(MembreFoyer.objects.filter(habitant=h).order_by("date_debut"))
    assert [(m.foyer_id, m.date_fin) for m in appartenances] == [
        (ancien.pk, date(2025, 2, 28)),
        (nouveau.pk, None),
    ]
    assert _derniere(ancien).details["apres"] == {"Jusqu'au": "28/02/2025"}
    assert _derniere(nouveau).details["fait"] == "Arrivée dans le foyer"
    assert _faits_modifies(ancien)
    assert _faits_modifies(nouveau)


def test_un_seul_conjoint_et_un_seul_demandeur(travailleur, famille):
    f, _ = famille
    services.inscrire_dans_le_foyer(
        agent=travailleur,
        foyer=f,
        role="conjoint",
        date_debut=date(2021, 1, 1),
        nom_usage="Bernard",
        prenoms="Paul",
        date_naissance=date(1979, 1, 1),
    )
    with pytest.raises(ValidationError) as erreur:
        services.inscrire_dans_le_foyer(
            agent=travailleur,
            foyer=f,
            role="conjoint",
            date_debut=date(2021, 1, 1),
            nom_usage="Durand",
            prenoms="Marc",
            date_naissance=date(1978, 1, 1),
        )
    assert "role" in erreur.value.error_dict
    with pytest.raises(ValidationError):
        services.inscrire_dans_le_foyer(
            agent=travailleur,
            foyer=f,
            role="demandeur",
            date_debut=date(2021, 1, 1),
            nom_usage="Petit",
            prenoms="Jean",
            date_naissance=date(1977, 1, 1),
        )
    assert not MembreFoyer.objects.filter(habitant__nom_usage__in=["Durand", "Petit"]).exists()


def test_nouveau_membre_doublon(travailleur, famille):
    f, h = famille
    with pytest.raises(services.DoublonProbable):
        services.inscrire_dans_le_foyer(
            agent=travailleur,
            foyer=f,
            role="enfant",
            date_debut=date(2021, 1, 1),
            nom_usage=h.nom_usage,
            prenoms=h.prenoms,
            date_naissance=h.date_naissance,
        )


def test_terminer_appartenance(travailleur, famille):
    f, h = famille
    membre = MembreFoyer.objects.get(habitant=h)
    with pytest.raises(ValidationError) as erreur:
        services.terminer_appartenance(agent=travailleur, membre=membre, date_fin=date(2019, 1, 1))
    assert "date_fin" in erreur.value.error_dict
    _vieillir(f)
    services.terminer_appartenance(agent=travailleur, membre=membre, date_fin=date(2025, 6, 30))
    assert MembreFoyer.objects.get(pk=membre.pk).date_fin == date(2025, 6, 30)
    assert _derniere(f).details["fait"] == "Départ du foyer"
    assert _faits_modifies(f)
    with pytest.raises(ValidationError):
        services.terminer_appartenance(agent=travailleur, membre=membre, date_fin=date(2025, 7, 1))


def test_ressources_ajouter_corriger_terminer(travailleur, agent_accueil, famille):
    f, h = famille
    with pytest.raises(PermissionDenied):
        services.ajouter_ressource(
            agent=agent_accueil,
            habitant=h,
            type="salaire_net",
            montant_mensuel=Decimal("1000"),
            date_debut=date(2025, 1, 1),
        )
    _vieillir(f)
    r = services.ajouter_ressource(
        agent=travailleur,
        habitant=h,
        type="salaire_net",
        montant_mensuel=Decimal("1000"),
        date_debut=date(2025, 1, 1),
    )
    assert _faits_modifies(f)
    assert _derniere(f).action == "creation"
    services.corriger_ressource(agent=travailleur, ressource=r, montant_mensuel=Decimal("1100"))
    entree = _derniere(f)
    assert entree.details["avant"] == {"Montant mensuel (€)": "1\u202f000,00\u00a0€"}
    assert entree.details["apres"] == {"Montant mensuel (€)": "1\u202f100,00\u00a0€"}
    services.terminer_ressource(agent=travailleur, ressource=r, date_fin=date(2025, 6, 30))
    assert Ressource.objects.get(pk=r.pk).date_fin == date(2025, 6, 30)
    with pytest.raises(ValidationError):
        services.terminer_ressource(agent=travailleur, ressource=r, date_fin=date(2025, 7, 1))
    with pytest.raises(ValidationError) as erreur:
        services.corriger_ressource(agent=travailleur, ressource=r, date_fin=date(2024, 1, 1))
    assert "date_fin" in erreur.value.error_dict
    with pytest.raises(ValidationError) as erreur:
        services.ajouter_ressource(
            agent=travailleur,
            habitant=h,
            type="autre",
            montant_mensuel=Decimal("10"),
            date_debut=date(2025, 1, 1),
        )
    assert "libelle" in erreur.value.error_dict
    with pytest.raises(ValidationError):
        services.ajouter_ressource(
            agent=travailleur,
            habitant=h,
            type="salaire_net",
            montant_mensuel=Decimal("-5"),
            date_debut=date(2025, 1, 1),
        )
    autre = services.ajouter_ressource(
        agent=travailleur,
        habitant=h,
        type="autre",
        libelle="Bourse",
        montant_mensuel=Decimal("10"),
        date_debut=date(2025, 1, 1),
    )
    assert autre.nature == "Autres ressources (Bourse)"


def test_ecriture_sur_un_autre_site_refusee(agent_autre_site, famille):
    f, h = famille
    with pytest.raises(PermissionDenied):
        services.rectifier_identite(agent=agent_autre_site, habitant=h, telephone="")
    with pytest.raises(PermissionDenied):
        services.modifier_logement(agent=agent_autre_site, foyer=f, adresse="x")


class _R:
    def __init__(self, montant, debut, fin=None):
        self.montant_mensuel, self.date_debut, self.date_fin = Decimal(montant), debut, fin


def test_totaux_sur_3_et_12_mois_au_prorata():
    aujourd_hui = date(2026, 5, 10)
    assert mois_precedents(aujourd_hui, 3)[0] == (date(2026, 4, 1), date(2026, 4, 30))
    assert mois_precedents(aujourd_hui, 3)[-1] == (date(2026, 2, 1), date(2026, 2, 28))
    salaire = _R("1000", date(2020, 1, 1))
    # Commencée le 16 avril : 15 jours sur 30.
    chomage = _R("600", date(2026, 4, 16))
    # Arrêtée fin décembre 2025 : 8 mois dans les 12 derniers (mai à décembre 2025).
    pension = _R("100", date(2020, 1, 1), date(2025, 12, 31))
    t = totaux([salaire, chomage, pension], aujourd_hui)
    assert t.trois_mois == Decimal("3300.00")
    assert t.douze_mois == Decimal("12000") + Decimal("300") + Decimal("800")
