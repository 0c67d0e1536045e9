"""L'historique daté du loyer et de la situation conjugale : un nouveau loyer clôt le précédent,
une correction répare sans créer de période, pas de chevauchement ; dates plausibles ; journal
avec les valeurs d'avant ; faits du foyer marqués modifiés ; réservé aux travailleurs sociaux
des sites du foyer."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ccas_portal.models import EntreeJournal
from habitants import historique, services
from habitants.models import Foyer, PeriodeLoyer, SituationConjugale
from tests.factories import AgentFactory, SiteFactory, foyer, habitant


@pytest.fixture
def famille(travailleur):
    f = foyer(travailleur, statut_occupation="locataire_parc_prive")
    h = habitant(travailleur, date_naissance=date(1980, 5, 1), sexe="F")
    services.ajouter_membre(
        agent=travailleur, foyer=f, habitant=h, role="demandeur", date_debut=date(2015, 1, 1)
    )
    return f, h


def _vieillir(f):
    Foyer.objects.filter(pk=f.pk).update(faits_modifies_le=timezone.now() - timedelta(days=3))


def _faits_modifies(f) -> bool:
    return Foyer.objects.get(pk=f.pk).faits_modifies_le > timezone.now() - timedelta(minutes=1)


def _journal(f):
    return list(
        EntreeJournal.objects.filter(objet_type="habitants.foyer", objet_id=str(f.pk)).order_by(
            "pk"
        )
    )


def _loyer(agent, f, montant, debut, charges=None):
    return historique.enregistrer_loyer(
        agent=agent,
        foyer=f,
        loyer_mensuel=Decimal(montant),
        charges_mensuelles=None if charges is None else Decimal(charges),
        date_debut=debut,
    )


def test_nouveau_loyer_clot_le_precedent_la_veille(travailleur, famille):
    f, _ = famille
    premier = _loyer(travailleur, f, "600", date(2023, 1, 1), charges="50")
    _vieillir(f)
    second = _loyer(travailleur, f, "640", date(2024, 9, 1), charges="50")
    premier.refresh_from_db()
    assert premier.date_fin == date(2024, 8, 31)
    assert second.date_fin is None
    assert _faits_modifies(f)
    entree = _journal(f)[-1]
    assert entree.details["fait"] == "Nouveau loyer du foyer (le précédent clos le 31/08/2024)"
    assert entree.details["avant"] == {
        "Loyer mensuel (€)": "600,00\u00a0€",
        "Depuis le": "01/01/2023",
    }
    assert entree.details["apres"] == {
        "Loyer mensuel (€)": "640,00\u00a0€",
        "Depuis le": "01/09/2024",
    }
    # En vigueur : à chaque date, la bonne période ; avant le premier loyer, aucune.
    loyers = list(f.loyers.all())
    assert historique.en_vigueur(loyers, date(2024, 8, 31)) == premier
    assert historique.en_vigueur(loyers, date(2024, 9, 1)) == second
    assert historique.en_vigueur(loyers, date(2022, 12, 31)) is None


def test_nouveau_loyer_refuse(travailleur, agent_accueil, famille):
    f, _ = famille
    _loyer(travailleur, f, "600", date(2023, 1, 1))
    demain = timezone.localdate() + timedelta(days=1)
    cas = [
        ({"date_debut": demain}, "date_debut", "dans le futur"),
        ({"date_debut": date(1949, 12, 31)}, "date_debut", "invraisemblable"),
        ({"date_debut": date(2023, 1, 1)}, "date_debut", "court depuis le 01/01/2023"),
        ({"date_debut": date(2022, 6, 1)}, "date_debut", "corrigez"),
        ({"loyer_mensuel": Decimal("-1")}, "loyer_mensuel", "négatif"),
        ({"charges_mensuelles": Decimal("-1")}, "charges_mensuelles", "négatif"),
        ({"date_debut": None}, "date_debut", "depuis quand"),
    ]
    for champs, champ, message in cas:
        valeurs = {
            "loyer_mensuel": Decimal("650"),
            "charges_mensuelles": None,
            "date_debut": date(2024, 1, 1),
        } | champs
        with pytest.raises(ValidationError) as erreur:
            historique.enregistrer_loyer(agent=travailleur, foyer=f, **valeurs)
        assert message in str(erreur.value.error_dict[champ]), champs
    # Rien d'écrit, rien de clos.
    assert list(f.loyers.values_list("date_debut", "date_fin")) == [(date(2023, 1, 1), None)]
    with pytest.raises(PermissionDenied):
        _loyer(agent_accueil, f, "650", date(2024, 1, 1))
    autre = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-ailleurs")])
    with pytest.raises(PermissionDenied):
        _loyer(autre, f, "650", date(2024, 1, 1))


def test_pas_de_loyer_pour_un_proprietaire(travailleur, famille):
    f, _ = famille
    services.modifier_logement(agent=travailleur, foyer=f, statut_occupation="proprietaire")
    with pytest.raises(ValidationError) as erreur:
        _loyer(travailleur, Foyer.objects.get(pk=f.pk), "500", date(2024, 1, 1))
    assert "Pas de loyer" in str(erreur.value.error_dict["loyer_mensuel"])


def test_corriger_un_loyer_sans_chevauchement(travailleur, famille):
    f, _ = famille
    ancien = _loyer(travailleur, f, "600", date(2023, 1, 1))
    actuel = _loyer(travailleur, f, "640", date(2024, 9, 1))
    _vieillir(f)
    # Erreur de saisie : 604 et non 600.
    historique.corriger_loyer(agent=travailleur, periode=ancien, loyer_mensuel=Decimal("604"))
    ancien.refresh_from_db()
    assert (ancien.loyer_mensuel, ancien.date_fin) == (Decimal("604"), date(2024, 8, 31))
    assert f.loyers.count() == 2
    entree = _journal(f)[-1]
    assert entree.details["fait"] == "Loyer corrigé (période commencée le 01/01/2023)"
    assert entree.details["avant"] == {"Loyer mensuel (€)": "600,00\u00a0€"}
    assert _faits_modifies(f)
    # Chevaucher le loyer suivant, ou laisser deux périodes ouvertes : refusé.
    for champs, champ in (
        ({"date_fin": date(2024, 9, 15)}, "date_fin"),
        ({"date_fin": None}, "date_fin"),
    ):
        with pytest.raises(ValidationError) as erreur:
            historique.corriger_loyer(
                agent=travailleur, periode=PeriodeLoyer.objects.get(pk=ancien.pk), **champs
            )
        assert "chevaucherait le loyer du 01/09/2024 (en cours)" in str(
            erreur.value.error_dict[champ]
        )
    with pytest.raises(ValidationError) as erreur:
        historique.corriger_loyer(
            agent=travailleur,
            periode=PeriodeLoyer.objects.get(pk=actuel.pk),
            date_debut=date(2024, 8, 1),
        )
    assert "chevaucherait le loyer du 01/01/2023 au 31/08/2024" in str(
        erreur.value.error_dict["date_debut"]
    )
    with pytest.raises(ValidationError) as erreur:
        historique.corriger_loyer(
            agent=travailleur,
            periode=PeriodeLoyer.objects.get(pk=actuel.pk),
            date_fin=date(2024, 1, 1),
        )
    assert "précède" in str(erreur.value.error_dict["date_fin"])
    # La fin du loyer en cours (fin de bail) : posée par une correction.
    historique.corriger_loyer(
        agent=travailleur,
        periode=PeriodeLoyer.objects.get(pk=actuel.pk),
        date_fin=date(2025, 3, 31),
    )
    assert historique.en_vigueur(list(f.loyers.all()), date(2025, 4, 1)) is None
    with pytest.raises(ValueError, match="non modifiables"):
        historique.corriger_loyer(agent=travailleur, periode=ancien, foyer=f)


def test_situation_conjugale_datee(travailleur, famille):
    f, h = famille
    _vieillir(f)
    historique.enregistrer_situation_conjugale(
        agent=travailleur, habitant=h, statut="concubinage", date_debut=date(2012, 4, 1)
    )
    assert _faits_modifies(f)
    historique.enregistrer_situation_conjugale(
        agent=travailleur, habitant=h, statut="marie", date_debut=date(2016, 7, 9)
    )
    entree = _journal(f)[-1]
    assert entree.details["avant"] == {
        "Situation conjugale": "En concubinage (vie maritale)",
        "Depuis le": "01/04/2012",
    }
    assert entree.details["apres"] == {"Situation conjugale": "Marié(e)", "Depuis le": "09/07/2016"}
    situations = historique.fins_implicites(h.situations_conjugales.all())
    assert [(s.statut, s.fin) for s in situations] == [
        ("marie", None),
        ("concubinage", date(2016, 7, 8)),
    ]
    assert historique.en_vigueur(situations, date(2016, 7, 8)).statut == "concubinage"
    assert historique.en_vigueur(situations, date(2012, 3, 31)) is None
    demain = timezone.localdate() + timedelta(days=1)
    cas = [
        ({"date_debut": demain}, "date_debut", "dans le futur"),
        ({"date_debut": date(1979, 1, 1)}, "date_debut", "naissance"),
        ({"date_debut": date(2016, 7, 9)}, "date_debut", "date du 09/07/2016"),
        ({"statut": "marie", "date_debut": date(2020, 1, 1)}, "statut", "déjà la situation"),
        ({"statut": ""}, "statut", "Choisissez"),
    ]
    for champs, champ, message in cas:
        valeurs = {"statut": "divorce", "date_debut": date(2020, 1, 1)} | champs
        with pytest.raises(ValidationError) as erreur:
            historique.enregistrer_situation_conjugale(agent=travailleur, habitant=h, **valeurs)
        assert message in str(erreur.value.error_dict[champ]), champs
    assert SituationConjugale.objects.filter(habitant=h).count() == 2


def test_corriger_une_situation_conjugale(travailleur, agent_accueil, famille):
    f, h = famille
    premiere = historique.enregistrer_situation_conjugale(
        agent=travailleur, habitant=h, statut="concubinage", date_debut=date(2012, 4, 1)
    )
    historique.enregistrer_situation_conjugale(
        agent=travailleur, habitant=h, statut="marie", date_debut=date(2016, 7, 9)
    )
    historique.corriger_situation_conjugale(
        agent=travailleur, situation=premiere, statut="pacse", date_debut=date(2012, 5, 1)
    )
    premiere.refresh_from_db()
    assert (premiere.statut, premiere.date_debut) == ("pacse", date(2012, 5, 1))
    entree = _journal(f)[-1]
    assert entree.details["avant"] == {
        "Situation conjugale": "En concubinage (vie maritale)",
        "Depuis le": "01/04/2012",
    }
    with pytest.raises(ValidationError) as erreur:
        historique.corriger_situation_conjugale(
            agent=travailleur, situation=premiere, statut="pacse", date_debut=date(2016, 7, 9)
        )
    assert "commence déjà ce jour-là" in str(erreur.value.error_dict["date_debut"])
    with pytest.raises(PermissionDenied):
        historique.corriger_situation_conjugale(
            agent=agent_accueil, situation=premiere, statut="pacse", date_debut=date(2012, 5, 1)
        )
