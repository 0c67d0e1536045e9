"""La fusion de deux fiches d'une même personne (habitants/fusion.py) : chaque nature de ligne
rejoint la fiche conservée, conflits de foyers, transaction annulée, journal, droits."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accompagnement.models import (
    Accompagnement,
    ActionCollective,
    Intervention,
    Seance,
)
from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal
from droits.models import Document, Prestation, PrestationFoyer
from habitants import fusion, services
from habitants.fusion import ABSORBEE, CONSERVEE, fusionner_habitants
from habitants.models import (
    Foyer,
    Habitant,
    MembreFoyer,
    Passage,
    Ressource,
    SituationConjugale,
    SituationSante,
)
from habitants.models_partage import DemandePartage
from tests.factories import AgentFactory, SiteFactory, foyer, habitant, passage


@pytest.fixture
def ts(travailleur, motifs):
    return travailleur


def _vieillir(*foyers):
    Foyer.objects.filter(pk__in=[f.pk for f in foyers]).update(
        faits_modifies_le=timezone.now() - timedelta(days=3)
    )


def _faits_modifies(f) -> bool:
    return Foyer.objects.get(pk=f.pk).faits_modifies_le > timezone.now() - timedelta(minutes=1)


@pytest.fixture
def doublon(ts, site):
    """Deux fiches de Sophie Martin ; la seconde (absorbée) porte une ligne de chaque nature."""
    f = foyer(ts)
    ancien = foyer(ts, adresse="3 rue Très-Cloîtres")
    a = habitant(ts, date_naissance=date(1980, 5, 1), telephone="", sexe="F")
    b = habitant(ts, nom_usage="Martinn", date_naissance=None, telephone="06 12 34 56 78")
    services.ajouter_membre(
        agent=ts, foyer=ancien, habitant=b, role="demandeur", date_debut=date(2015, 1, 1)
    )
    services.ajouter_membre(
        agent=ts, foyer=f, habitant=b, role="demandeur", date_debut=date(2020, 1, 1)
    )
    passage(ts, b)
    services.ajouter_ressource(
        agent=ts,
        habitant=b,
        type="salaire_net",
        montant_mensuel=Decimal("1200"),
        date_debut=date(2024, 1, 1),
    )
    services.modifier_sante(agent=ts, habitant=b, taux_incapacite=80, reconnaissance_mdph=True)
    acc = Accompagnement.objects.create(
        foyer=f, axe_id="logement", referent=ts, date_ouverture=date(2025, 1, 5)
    )
    acc.membres.set([b])
    inter = Intervention.objects.create(
        accompagnement=acc, type="entretien", date=date(2025, 2, 1), auteur=ts
    )
    inter.participants.set([b])
    action = ActionCollective.objects.create(
        titre="Atelier budget",
        type="atelier",
        site=site,
        date_debut=date(2025, 1, 1),
        cree_par=ts,
    )
    seance = Seance.objects.create(
        action=action, date=date(2025, 3, 1), site=site, theme="Factures", auteur=ts
    )
    seance.participants.set([a, b])  # présente deux fois : une seule présence reste
    prestation = PrestationFoyer.objects.create(
        foyer=f,
        prestation=Prestation.objects.first(),
        beneficiaire=b,
        statut="accordee",
        source="declaration",
        saisi_par=ts,
    )
    SituationConjugale.objects.create(habitant=b, statut="concubinage", date_debut=date(2019, 6, 1))
    from droits.models import Demande

    demande_aide = Demande.objects.create(
        foyer=f,
        site=site,
        beneficiaire=b,
        nature="logement_social",
        objet="T2",
        date_depot=date(2025, 1, 1),
        cree_par=ts,
    )
    # Une demande de partage faite, depuis un autre site, pour la fiche absorbée.
    autre_site = SiteFactory()
    demande = DemandePartage.objects.create(
        foyer=f,
        habitant=b,
        site_demandeur=autre_site,
        site_sollicite=site,
        nature="partage",
        motif="Suivie aussi chez nous",
        demandee_par=AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[autre_site]),
        demandee_le=timezone.now(),
    )
    # Une pièce du dossier qui concerne la fiche absorbée.
    piece = Document.objects.create(
        foyer=f,
        personne=b,
        type_piece="avis_imposition",
        date_document=date(2025, 9, 1),
        fichier="essai/fusion.pdf",
        nom_original="avis.pdf",
        type_mime="application/pdf",
        taille=10,
        empreinte="0" * 64,
        depose_par=ts,
    )
    return {
        "a": a,
        "b": b,
        "foyer": f,
        "piece": piece,
        "demande": demande,
        "ancien": ancien,
        "acc": acc,
        "inter": inter,
        "seance": seance,
        "prestation": prestation,
        "demande_aide": demande_aide,
    }


def test_chaque_nature_de_ligne_rejoint_la_fiche_conservee(ts, doublon):
    a, b = doublon["a"], doublon["b"]
    _vieillir(doublon["foyer"], doublon["ancien"])
    avant = fusion.lignes_liees(b)
    assert all(avant.values()), avant  # une ligne au moins de chaque nature

    lignes = fusionner_habitants(agent=ts, conservee=a, absorbee=b, valeurs={})

    assert not Habitant.objects.filter(pk=b.pk).exists()
    assert lignes == {
        "passages": 1,
        "appartenances": 2,
        "ressources": 1,
        "situations_conjugales": 1,
        "sante": 1,
        "accompagnements": 1,
        "interventions": 1,
        "seances": 1,
        "prestations": 1,
        "demandes_aide": 1,
        "demandes_partage": 1,
        "documents": 1,
    }
    doublon["demande_aide"].refresh_from_db()
    assert doublon["demande_aide"].beneficiaire == a
    assert Passage.objects.get().habitant == a
    assert Document.objects.get().personne == a
    assert MembreFoyer.objects.filter(habitant=a).count() == 2
    actuelle = MembreFoyer.objects.get(habitant=a, date_fin__isnull=True)
    assert (actuelle.foyer, actuelle.role) == (doublon["foyer"], "demandeur")
    assert Ressource.objects.get().habitant == a
    assert SituationSante.objects.get().habitant_id == a.pk
    # La fiche conservée n'avait pas d'historique conjugal : celui de l'autre la rejoint.
    assert list(SituationConjugale.objects.values_list("habitant_id", "statut")) == [
        (a.pk, "concubinage")
    ]
    assert list(doublon["acc"].membres.all()) == [a]
    assert list(doublon["inter"].participants.all()) == [a]
    assert list(doublon["seance"].participants.all()) == [a]
    doublon["demande"].refresh_from_db()
    assert doublon["demande"].habitant == a
    doublon["prestation"].refresh_from_db()
    assert doublon["prestation"].beneficiaire == a
    assert _faits_modifies(doublon["foyer"])
    assert _faits_modifies(doublon["ancien"])


def test_valeurs_par_defaut_et_choisies(ts, doublon):
    a, b = doublon["a"], doublon["b"]
    fusionner_habitants(
        agent=ts, conservee=a, absorbee=b, valeurs={"nom_usage": ABSORBEE, "sexe": CONSERVEE}
    )
    a.refresh_from_db()
    assert a.nom_usage == "Martinn"  # choisie
    assert a.date_naissance == date(1980, 5, 1)  # la sienne (l'autre est vide)
    assert a.telephone == "06 12 34 56 78"  # vide sur la conservée : prise de l'autre
    assert a.telephone_chiffres == "612345678"
    # Index de recherche recalculés : la fiche se retrouve par le nom retenu.
    assert a.nom_normalise == "martinn"
    assert a.cle_nom


def test_la_sante_retenue_est_celle_choisie(ts, doublon):
    a, b = doublon["a"], doublon["b"]
    services.modifier_sante(agent=ts, habitant=a, taux_incapacite=50, reconnaissance_mdph=False)
    fusionner_habitants(agent=ts, conservee=a, absorbee=b, valeurs={"sante": ABSORBEE})
    sante = SituationSante.objects.get()
    assert (sante.habitant_id, sante.taux_incapacite, sante.reconnaissance_mdph) == (a.pk, 80, True)


def test_la_sante_ecartee_est_effacee(ts, doublon):
    a, b = doublon["a"], doublon["b"]
    fusionner_habitants(agent=ts, conservee=a, absorbee=b, valeurs={"sante": CONSERVEE})
    assert not SituationSante.objects.exists()


def test_l_absence_de_sante_retenue_efface_celle_de_la_fiche_conservee(ts, doublon):
    a, b = doublon["a"], doublon["b"]
    # La santé est sur la fiche b, conservée ici ; a, absorbée, n'en a pas : « rien » est retenu.
    fusionner_habitants(agent=ts, conservee=b, absorbee=a, valeurs={"sante": ABSORBEE})
    assert not SituationSante.objects.exists()


def test_journal_de_la_fusion(ts, doublon):
    a, b = doublon["a"], doublon["b"]
    b_pk = b.pk
    fusionner_habitants(agent=ts, conservee=a, absorbee=b, valeurs={"nom_usage": ABSORBEE})
    entree = EntreeJournal.objects.get(
        objet_type="habitants.habitant", objet_id=str(a.pk), details__has_key="fusion"
    )
    assert entree.agent == ts
    assert entree.action == "modification"
    f = entree.details["fusion"]
    assert (f["conservee"], f["absorbee"]) == (a.pk, b_pk)
    assert f["lignes"]["passages"] == 1
    assert f["lignes"]["appartenances"] == 2
    assert f["valeurs"]["Nom d'usage"] == {"retenue": "Martinn", "ecartee": "Martin", "fiche": b_pk}
    assert f["valeurs"]["Date de naissance"]["retenue"] == "01/05/1980"
    # Sur le foyer aussi, pour sa chronologie.
    trace = EntreeJournal.objects.get(
        objet_type="habitants.foyer",
        objet_id=str(doublon["foyer"].pk),
        details__fait__startswith="Fusion",
    )
    assert trace.details["avant"]["Fiche absorbée"].endswith(f"(fiche n° {b_pk})")


def test_meme_foyer_actuel_une_seule_appartenance_reste(ts, doublon):
    a, b, f = doublon["a"], doublon["b"], doublon["foyer"]
    services.ajouter_membre(
        agent=ts, foyer=f, habitant=a, role="conjoint", date_debut=date(2022, 1, 1)
    )
    fusionner_habitants(agent=ts, conservee=a, absorbee=b, valeurs={})
    actuelles = MembreFoyer.objects.filter(foyer=f, date_fin__isnull=True)
    assert actuelles.count() == 1
    m = actuelles.get()
    # La plus ancienne arrivée, demandeur : le foyer garde son demandeur.
    assert (m.habitant, m.role, m.date_debut) == (a, "demandeur", date(2020, 1, 1))


def test_deux_foyers_actuels_differents_refuse_et_dit_quoi_faire(ts, doublon):
    a, b = doublon["a"], doublon["b"]
    autre = foyer(ts, adresse="8 avenue Jean-Perrot")
    services.ajouter_membre(
        agent=ts, foyer=autre, habitant=a, role="demandeur", date_debut=date(2021, 1, 1)
    )
    with pytest.raises(ValidationError) as erreur:
        fusionner_habitants(agent=ts, conservee=a, absorbee=b, valeurs={})
    message = " ".join(erreur.value.messages)
    assert "foyer actuel différent" in message
    assert "Départ du foyer" in message
    assert Habitant.objects.filter(pk=b.pk).exists()
    assert Passage.objects.get().habitant_id == b.pk


def test_un_echec_en_cours_de_route_n_a_rien_change(ts, doublon, monkeypatch):
    a, b = doublon["a"], doublon["b"]

    def panne(**kwargs):
        raise RuntimeError("panne du journal")

    monkeypatch.setattr(fusion, "journaliser", panne)
    avant_a, avant_b = fusion.lignes_liees(a), fusion.lignes_liees(b)
    with pytest.raises(RuntimeError):
        fusionner_habitants(agent=ts, conservee=a, absorbee=b, valeurs={"nom_usage": ABSORBEE})
    assert Habitant.objects.filter(pk=b.pk).exists()
    a.refresh_from_db()
    assert a.nom_usage == "Martin"
    assert fusion.lignes_liees(a) == avant_a
    assert fusion.lignes_liees(b) == avant_b
    assert not EntreeJournal.objects.filter(details__fait__startswith="Fusion").exists()


def test_valeurs_invalides_rangees_sous_leur_choix(ts, doublon):
    a, b = doublon["a"], doublon["b"]
    # Un historique conjugal qui commence avant la naissance retenue (celle de la fiche
    # conservée, 1980).
    SituationConjugale.objects.create(habitant=b, statut="marie", date_debut=date(1975, 1, 1))
    with pytest.raises(ValidationError) as erreur:
        fusionner_habitants(
            agent=ts, conservee=a, absorbee=b, valeurs={"situation_conjugale": ABSORBEE}
        )
    assert "situation_conjugale" in erreur.value.error_dict
    with pytest.raises(ValidationError) as erreur:
        fusionner_habitants(agent=ts, conservee=a, absorbee=b, valeurs={"nom_usage": "les deux"})
    assert "nom_usage" in erreur.value.error_dict
    assert Habitant.objects.filter(pk=b.pk).exists()


def test_deux_fois_la_meme_fiche_refusee(ts, doublon):
    with pytest.raises(ValidationError):
        fusionner_habitants(agent=ts, conservee=doublon["a"], absorbee=doublon["a"], valeurs={})


@pytest.mark.parametrize("role", [Role.ACCUEIL, Role.RESPONSABLE, Role.ADMIN])
def test_seul_le_travailleur_social_fusionne(site, doublon, role):
    agent = AgentFactory(role=role, sites=[site])
    with pytest.raises(PermissionDenied):
        fusionner_habitants(agent=agent, conservee=doublon["a"], absorbee=doublon["b"], valeurs={})
    assert Habitant.objects.filter(pk=doublon["b"].pk).exists()


def test_une_fiche_d_un_autre_site_refusee(ts, doublon):
    ailleurs = SiteFactory(code="mdh-ailleurs")
    autre_ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[ailleurs])
    etrangere = habitant(autre_ts)
    with pytest.raises(PermissionDenied):
        fusionner_habitants(agent=ts, conservee=doublon["a"], absorbee=etrangere, valeurs={})
    with pytest.raises(PermissionDenied):
        fusionner_habitants(agent=autre_ts, conservee=etrangere, absorbee=doublon["a"], valeurs={})


def test_tous_les_liens_sont_traites():
    """Protège l'avenir : un nouveau lien vers Habitant (clé étrangère, un-à-un,
    plusieurs-à-plusieurs, même sans accès inverse) doit être déclaré dans fusion.LIENS et
    déplacé par la fusion ; sinon supprimer la fiche absorbée l'effacerait ou le viderait."""
    declares = {(lien.modele, lien.champ) for lien in fusion.LIENS}
    assert fusion.liens_vers_habitant() == declares


def test_un_lien_non_traite_annule_la_fusion(ts, doublon, monkeypatch):
    """Le filet de sécurité à l'exécution : un lien que la fusion ne déplace pas."""
    a, b = doublon["a"], doublon["b"]
    monkeypatch.setattr(fusion, "_deplacer", lambda *args: {})
    with pytest.raises(RuntimeError, match="ne sait pas déplacer"):
        fusionner_habitants(agent=ts, conservee=a, absorbee=b, valeurs={})
    assert Habitant.objects.filter(pk=b.pk).exists()


def test_un_seul_historique_conjugal_retenu(ts, doublon):
    """Deux historiques mêlés se contrediraient : celui de la fiche choisie reste, l'autre
    est effacé."""
    a, b = doublon["a"], doublon["b"]
    SituationConjugale.objects.create(habitant=a, statut="marie", date_debut=date(2008, 9, 6))
    lignes = fusionner_habitants(
        agent=ts, conservee=a, absorbee=b, valeurs={"situation_conjugale": CONSERVEE}
    )
    assert lignes["situations_conjugales"] == 0
    assert list(SituationConjugale.objects.values_list("habitant_id", "statut")) == [
        (a.pk, "marie")
    ]
