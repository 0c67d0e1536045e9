from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from habitants import services
from habitants.models import Habitant, MembreFoyer, Passage
from tests.factories import foyer, habitant

pytestmark = pytest.mark.django_db


def messages(erreur: ValidationError, champ: str) -> str:
    return " ".join(erreur.message_dict[champ])


def test_inscrire_une_personne_avec_une_identite_minimale(agent_accueil, site):
    h = services.inscrire_habitant(
        agent=agent_accueil, site=site, nom_usage=" Lefèvre ", prenoms="Hélène"
    )
    h.refresh_from_db()
    assert h.nom_usage == "Lefèvre"
    assert h.recherche == "lefevre helene"
    assert h.site == site
    assert h.cree_par == agent_accueil


@pytest.mark.parametrize(
    ("champs", "champ", "message"),
    [
        ({"date_naissance": date.today() + timedelta(days=2)}, "date_naissance", "dans le futur"),
        ({"date_naissance": date(1850, 1, 1)}, "date_naissance", "avant 1900"),
        ({"telephone": "12345"}, "telephone", "06 12 34 56 78"),
        ({"courriel": "pas-un-courriel"}, "courriel", "adresse de courriel valide"),
        ({"nom_usage": "???"}, "nom_usage", "au moins une lettre"),
        ({"prenoms": ""}, "prenoms", "au moins une lettre"),
    ],
)
def test_inscription_refuse_les_saisies_invalides(agent_accueil, site, champs, champ, message):
    donnees = {"nom_usage": "Martin", "prenoms": "Léa", **champs}
    with pytest.raises(ValidationError) as erreur:
        services.inscrire_habitant(agent=agent_accueil, site=site, **donnees)
    assert message in messages(erreur.value, champ)
    assert not Habitant.objects.exists()


def test_inscription_sur_un_site_qui_n_est_pas_le_sien(agent_accueil, autre_site):
    with pytest.raises(PermissionDenied):
        services.inscrire_habitant(agent=agent_accueil, site=autre_site, nom_usage="A", prenoms="B")


def test_doublon_probable_puis_confirmation(agent_accueil, site):
    existant = habitant(
        agent_accueil, nom_usage="Lefèvre", prenoms="Sophie", date_naissance=date(1980, 5, 4)
    )
    with pytest.raises(services.DoublonProbable) as doublon:
        services.inscrire_habitant(
            agent=agent_accueil,
            site=site,
            nom_usage="LEFEVRE",
            prenoms="sophie",
            date_naissance=date(1980, 5, 4),
        )
    assert doublon.value.candidats == [existant]
    assert Habitant.objects.count() == 1
    nouvelle = services.inscrire_habitant(
        agent=agent_accueil,
        site=site,
        nom_usage="Lefevre",
        prenoms="Sophie",
        date_naissance=date(1980, 5, 4),
        confirmer_nouveau=True,
    )
    assert Habitant.objects.count() == 2
    assert nouvelle != existant


def test_pas_de_doublon_pour_un_homonyme_ne_un_autre_jour(agent_accueil, site):
    habitant(agent_accueil, nom_usage="Martin", prenoms="Léa", date_naissance=date(1990, 1, 1))
    h = services.inscrire_habitant(
        agent=agent_accueil,
        site=site,
        nom_usage="Martin",
        prenoms="Léa",
        date_naissance=date(1991, 1, 1),
    )
    assert h.pk


@pytest.mark.parametrize(
    ("champs", "champ", "message"),
    [
        ({"code_insee": "99999"}, "code_insee", "Code INSEE inconnu"),
        ({"code_postal": "69001"}, "code_postal", "ne correspond pas à Grenoble"),
        ({"statut_occupation": "chateau"}, "statut_occupation", "n’est pas un choix valide"),
    ],
)
def test_foyer_refuse_les_saisies_invalides(agent_accueil, champs, champ, message):
    with pytest.raises(ValidationError) as erreur:
        foyer(agent_accueil, **champs)
    assert message in messages(erreur.value, champ)


def test_foyer_prend_le_nom_de_la_commune_du_referentiel(agent_accueil):
    f = foyer(agent_accueil, code_insee="38421", code_postal="38400")
    assert f.commune == "Saint-Martin-d'Hères"


def test_changer_de_foyer_garde_l_historique(agent_accueil):
    h = habitant(agent_accueil)
    premier, second = foyer(agent_accueil), foyer(agent_accueil, adresse="3 rue Abbé Grégoire")
    services.ajouter_membre(
        agent=agent_accueil,
        foyer=premier,
        habitant=h,
        role="demandeur",
        date_debut=date(2020, 1, 1),
    )
    services.ajouter_membre(
        agent=agent_accueil, foyer=second, habitant=h, role="conjoint", date_debut=date(2024, 6, 1)
    )
    historique = list(MembreFoyer.objects.filter(habitant=h).order_by("date_debut"))
    assert [(m.foyer, m.date_debut, m.date_fin) for m in historique] == [
        (premier, date(2020, 1, 1), date(2024, 5, 31)),
        (second, date(2024, 6, 1), None),
    ]


def test_un_seul_demandeur_par_foyer(agent_accueil):
    f = foyer(agent_accueil)
    services.ajouter_membre(
        agent=agent_accueil,
        foyer=f,
        habitant=habitant(agent_accueil),
        role="demandeur",
        date_debut=date(2020, 1, 1),
    )
    with pytest.raises(ValidationError, match="déjà un demandeur"):
        services.ajouter_membre(
            agent=agent_accueil,
            foyer=f,
            habitant=habitant(agent_accueil, prenoms="Paul"),
            role="demandeur",
            date_debut=date(2020, 1, 1),
        )


def test_rejoindre_un_foyer_avant_son_entree_actuelle_refuse(agent_accueil):
    h = habitant(agent_accueil)
    services.ajouter_membre(
        agent=agent_accueil,
        foyer=foyer(agent_accueil),
        habitant=h,
        role="demandeur",
        date_debut=date(2022, 1, 1),
    )
    with pytest.raises(ValidationError, match="doit suivre"):
        services.ajouter_membre(
            agent=agent_accueil,
            foyer=foyer(agent_accueil),
            habitant=h,
            role="demandeur",
            date_debut=date(2021, 1, 1),
        )


def test_fin_avant_debut_refusee(agent_accueil):
    h = habitant(agent_accueil)
    membre = services.ajouter_membre(
        agent=agent_accueil,
        foyer=foyer(agent_accueil),
        habitant=h,
        role="demandeur",
        date_debut=date(2022, 1, 1),
    )
    with pytest.raises(ValidationError) as erreur:
        services.retirer_membre(agent=agent_accueil, membre=membre, date_fin=date(2021, 1, 1))
    assert "précède la date de début" in messages(erreur.value, "date_fin")


def test_ressources_par_le_travailleur_social(travailleur):
    h = habitant(travailleur)
    r = services.enregistrer_ressource(
        agent=travailleur,
        habitant=h,
        type="salaire_net",
        montant_mensuel=Decimal("1234.50"),
        date_debut=date(2024, 1, 1),
    )
    assert r.pk
    with pytest.raises(ValidationError) as erreur:
        services.enregistrer_ressource(
            agent=travailleur,
            habitant=h,
            type="retraite",
            montant_mensuel=Decimal("-1"),
            date_debut=date(2024, 1, 1),
        )
    assert "ne peut pas être négatif" in messages(erreur.value, "montant_mensuel")
    with pytest.raises(ValidationError) as erreur:
        services.enregistrer_ressource(
            agent=travailleur,
            habitant=h,
            type="retraite",
            montant_mensuel=Decimal("10"),
            date_debut=date(2024, 1, 1),
            date_fin=date(2023, 1, 1),
        )
    assert "précède la date de début" in messages(erreur.value, "date_fin")


def test_l_accueil_n_ecrit_ni_ressources_ni_sante(agent_accueil):
    h = habitant(agent_accueil)
    with pytest.raises(PermissionDenied):
        services.enregistrer_ressource(
            agent=agent_accueil,
            habitant=h,
            type="retraite",
            montant_mensuel=Decimal("900"),
            date_debut=date(2024, 1, 1),
        )
    with pytest.raises(PermissionDenied):
        services.enregistrer_situation_sante(
            agent=agent_accueil, habitant=h, taux_incapacite=80, reconnaissance_mdph=True
        )


def test_situation_sante_validee(travailleur):
    h = habitant(travailleur)
    with pytest.raises(ValidationError, match="ne dépasse pas 100"):
        services.enregistrer_situation_sante(
            agent=travailleur, habitant=h, taux_incapacite=120, reconnaissance_mdph=True
        )
    s = services.enregistrer_situation_sante(
        agent=travailleur, habitant=h, taux_incapacite=80, reconnaissance_mdph=True
    )
    assert s.taux_incapacite == 80


def test_information_rgpd_et_consentement_en_trois_etats(agent_accueil):
    h = habitant(agent_accueil)
    assert (h.consentement, h.date_consentement) == ("non_demande", None)
    services.enregistrer_information(
        agent=agent_accueil, habitant=h, date_information=date(2026, 1, 5), consentement="refuse"
    )
    h.refresh_from_db()
    assert (h.date_information, h.informe_par, h.consentement, h.date_consentement) == (
        date(2026, 1, 5),
        agent_accueil,
        "refuse",
        date(2026, 1, 5),
    )
    # Même réponse plus tard : sa date d'origine reste ; une autre réponse prend la sienne.
    services.enregistrer_information(
        agent=agent_accueil, habitant=h, date_information=date(2026, 2, 1), consentement="refuse"
    )
    h.refresh_from_db()
    assert (h.date_information, h.date_consentement) == (date(2026, 2, 1), date(2026, 1, 5))
    services.enregistrer_information(
        agent=agent_accueil, habitant=h, date_information=date(2026, 3, 1), consentement="accepte"
    )
    h.refresh_from_db()
    assert (h.consentement, h.date_consentement) == ("accepte", date(2026, 3, 1))
    for mauvais in ("non_demande", "", "oui"):
        with pytest.raises(ValidationError, match="accepte ou refuse"):
            services.enregistrer_information(
                agent=agent_accueil,
                habitant=h,
                date_information=date(2026, 3, 2),
                consentement=mauvais,
            )
    with pytest.raises(ValidationError, match=r"futur|plausible|après"):
        services.enregistrer_information(
            agent=agent_accueil,
            habitant=h,
            date_information=date.today() + timedelta(days=3),
            consentement="accepte",
        )
    h.refresh_from_db()
    assert (h.consentement, h.date_consentement) == ("accepte", date(2026, 3, 1))


def test_la_base_refuse_une_reponse_sans_date(agent_accueil):
    from django.db import IntegrityError, transaction

    h = habitant(agent_accueil)
    with pytest.raises(IntegrityError), transaction.atomic():
        Habitant.objects.filter(pk=h.pk).update(consentement="accepte")
    with pytest.raises(IntegrityError), transaction.atomic():
        Habitant.objects.filter(pk=h.pk).update(date_consentement=date(2026, 1, 1))


def test_passage_nominatif_et_anonyme(agent_accueil, site, motifs):
    h = habitant(agent_accueil)
    p = services.enregistrer_passage(
        agent=agent_accueil,
        site=site,
        habitant=h,
        mode="physique",
        motifs=motifs[:2],
        reponse="information",
        note=" RDV ",
    )
    assert p.note == "RDV"
    assert set(p.motifs.all()) == set(motifs[:2])
    anonyme = services.enregistrer_passage(
        agent=agent_accueil,
        site=site,
        mode="telephone",
        motifs=motifs[:1],
        reponse="orientation_ts",
    )
    assert anonyme.anonyme
    assert Passage.objects.count() == 2


def test_passage_refuse_sans_motif_ou_dans_le_futur(agent_accueil, site, motifs):
    with pytest.raises(ValidationError, match="au moins un motif"):
        services.enregistrer_passage(
            agent=agent_accueil, site=site, mode="physique", motifs=[], reponse="information"
        )
    with pytest.raises(ValidationError, match="futur"):
        services.enregistrer_passage(
            agent=agent_accueil,
            site=site,
            mode="physique",
            motifs=motifs[:1],
            reponse="information",
            date_heure=timezone.now() + timedelta(hours=2),
        )
    assert not Passage.objects.exists()


def test_passage_pour_une_personne_d_un_autre_site_refuse(
    agent_accueil, agent_autre_site, site, motifs
):
    ailleurs = habitant(agent_autre_site)
    with pytest.raises(PermissionDenied):
        services.enregistrer_passage(
            agent=agent_accueil,
            site=site,
            habitant=ailleurs,
            mode="physique",
            motifs=motifs[:1],
            reponse="information",
        )


def test_responsable_ne_tient_pas_l_accueil(site, motifs):
    from tests.factories import AgentFactory

    responsable = AgentFactory(role="responsable", sites=[site])
    with pytest.raises(PermissionDenied):
        services.enregistrer_passage(
            agent=responsable, site=site, mode="physique", motifs=motifs[:1], reponse="information"
        )


def _orienter(agent, site, motifs, **champs):
    return services.enregistrer_passage(
        agent=agent, site=site, mode="physique", motifs=motifs[:1], **champs
    )


def test_orientation_vers_un_partenaire_le_nomme(agent_accueil, site, motifs):
    from ccas_portal.models import Partenaire

    adil = Partenaire.objects.get(code="adil")
    passage = _orienter(
        agent_accueil, site, motifs, reponse="orientation_partenaire", partenaire=adil
    )
    passage.refresh_from_db()
    assert passage.partenaire == adil


def test_orientation_vers_un_partenaire_sans_partenaire_refusee(agent_accueil, site, motifs):
    with pytest.raises(ValidationError) as erreur:
        _orienter(agent_accueil, site, motifs, reponse="orientation_partenaire")
    assert "Choisissez le partenaire" in messages(erreur.value, "partenaire")
    assert not Passage.objects.exists()


def test_partenaire_refuse_pour_une_autre_reponse_ou_inactif(agent_accueil, site, motifs):
    from ccas_portal.models import Partenaire

    caf = Partenaire.objects.get(code="caf")
    with pytest.raises(ValidationError) as erreur:
        _orienter(agent_accueil, site, motifs, reponse="information", partenaire=caf)
    assert "ne se nomme que pour une orientation" in messages(erreur.value, "partenaire")
    Partenaire.objects.filter(pk=caf.pk).update(actif=False)
    caf.refresh_from_db()
    with pytest.raises(ValidationError) as erreur:
        _orienter(agent_accueil, site, motifs, reponse="orientation_partenaire", partenaire=caf)
    assert "n'est plus actif" in messages(erreur.value, "partenaire")
    assert not Passage.objects.exists()


def test_doublon_d_un_autre_site_signale_le_site_seulement(
    agent_accueil, agent_autre_site, site, autre_site
):
    habitant(
        agent_autre_site, nom_usage="Lefèvre", prenoms="Sophie", date_naissance=date(1980, 5, 4)
    )
    with pytest.raises(services.DoublonProbable) as doublon:
        services.inscrire_habitant(
            agent=agent_accueil,
            site=site,
            nom_usage="LEFEVRE",
            prenoms="sophie",
            date_naissance=date(1980, 5, 4),
        )
    assert doublon.value.candidats == []
    assert doublon.value.ailleurs == [autre_site]
    assert str(doublon.value) == (
        "Une personne semblable est connue de la MdH Autre : contactez-la."
    )
    assert Habitant.objects.count() == 1
    nouvelle = services.inscrire_habitant(
        agent=agent_accueil,
        site=site,
        nom_usage="LEFEVRE",
        prenoms="sophie",
        date_naissance=date(1980, 5, 4),
        confirmer_nouveau=True,
    )
    assert nouvelle.site == site
