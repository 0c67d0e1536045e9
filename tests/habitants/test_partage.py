"""Partage et transfert d'un foyer entre sites : services, contraintes, règle d'accès."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal
from habitants import acces, partage
from habitants.models import DemandePartage, Foyer, Habitant
from habitants.models_partage import StatutDemande
from habitants.selectors import doublons_probables, sites_connaissant_un_doublon
from habitants.services import (
    CLE_FAIT,
    ajouter_membre,
    inscrire_dans_le_foyer,
    terminer_appartenance,
)
from tests.factories import AgentFactory, SiteFactory, habitant
from tests.partage import NAISSANCE, demander


def entrees_du_foyer(f):
    return list(
        EntreeJournal.objects.filter(
            objet_type="habitants.foyer", objet_id=str(f.pk), details__has_key=CLE_FAIT
        ).order_by("pk")
    )


def test_demander_depuis_la_personne_semblable(ts_b, site_a, site_b, famille_de_a):
    f, parent, *_ = famille_de_a
    avant = len(entrees_du_foyer(f))
    (demande,) = demander(ts_b, site_b, site_a, nom_usage="Benaly")  # une faute de frappe
    assert (demande.foyer, demande.habitant, demande.site_sollicite) == (f, parent, site_a)
    assert demande.statut == StatutDemande.EN_ATTENTE
    assert demande.demandee_par == ts_b
    assert demande.personne_cherchee == "BENALY Amina, date de naissance 06/05/1984"
    entree = entrees_du_foyer(f)[-1]
    assert len(entrees_du_foyer(f)) == avant + 1
    assert entree.details[CLE_FAIT] == "Partage du foyer demandé par Maison des Habitants Bêta"
    assert entree.details["apres"]["Motif de la demande"] == "Suivi RSA à Bêta"
    # Rien n'est encore ouvert au site demandeur.
    assert not Foyer.objects.visibles_par(ts_b).exists()


def test_demande_sans_motif_refusee_et_rien_n_est_ecrit(ts_b, site_a, site_b, famille_de_a):
    with pytest.raises(ValidationError) as erreur:
        demander(ts_b, site_b, site_a, motif="   ")
    assert erreur.value.message_dict == {"motif": ["Indiquez le motif de la demande."]}
    assert not DemandePartage.objects.exists()


def test_une_seule_demande_en_attente_par_foyer_et_site(ts_b, site_a, site_b, famille_de_a):
    demander(ts_b, site_b, site_a)
    with pytest.raises(ValidationError, match="déjà en attente auprès de la Maison des Habitants"):
        demander(ts_b, site_b, site_a, nature="transfert")
    assert DemandePartage.objects.count() == 1


def test_les_erreurs_ne_revelent_rien_de_la_personne(ts_b, ts_a, site_a, site_b, famille_de_a):
    _, _parent, *_ = famille_de_a
    sans_foyer = habitant(ts_a, nom_usage="Seule", prenoms="Agathe", date_naissance=NAISSANCE)
    with pytest.raises(ValidationError) as erreur:
        demander(ts_b, site_b, site_a, nom_usage="Seule", prenoms="Agathe")
    texte = " ".join(erreur.value.messages)
    assert texte == (
        "Cette demande ne peut pas être faite en ligne. Personne semblable connue de la "
        "Maison des Habitants Alpha : contactez-la."
    )
    assert "Agathe" not in texte
    assert str(sans_foyer.pk) not in texte
    with pytest.raises(ValidationError, match="Aucune personne semblable n'est connue"):
        demander(ts_b, site_b, site_a, nom_usage="Inconnue", prenoms="Zélie")
    assert not DemandePartage.objects.exists()


def test_seul_un_travailleur_social_du_site_demandeur_demande(
    ts_a, accueil_b, ts_b, site_a, site_b, famille_de_a
):
    with pytest.raises(PermissionDenied):
        demander(accueil_b, site_b, site_a)
    with pytest.raises(PermissionDenied):
        demander(ts_b, site_a, site_b)  # pas son site
    # Son propre site : la personne n'est pas « d'ailleurs ».
    with pytest.raises(ValidationError, match="Aucune personne semblable"):
        demander(ts_a, site_a, site_a)
    assert not DemandePartage.objects.exists()


def test_accepter_un_partage_ouvre_le_foyer_ses_membres_actuels_seulement(
    ts_a, ts_b, accueil_b, site_a, site_b, famille_de_a
):
    f, parent, enfant, autre, voisin = famille_de_a
    (demande,) = demander(ts_b, site_b, site_a)
    with pytest.raises(PermissionDenied):
        partage.accepter(agent=ts_b, demande=demande)  # pas le site de rattachement
    partage.accepter(agent=ts_a, demande=demande)
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.ACCEPTEE
    assert (demande.decidee_par, demande.decidee_le is not None) == (ts_a, True)
    f.refresh_from_db()
    assert f.site == site_a  # le site de rattachement reste
    assert list(Foyer.objects.visibles_par(ts_b)) == [f]
    assert set(Habitant.objects.visibles_par(ts_b)) == {parent, enfant}
    assert set(Habitant.objects.visibles_par(accueil_b)) == {parent, enfant}
    assert acces.sites_ayant_acces(f) == {site_a.pk, site_b.pk}
    assert not acces.foyer_accessible({site_b.pk}, autre)
    assert not acces.personne_accessible({site_b.pk}, voisin)
    assert entrees_du_foyer(f)[-1].details[CLE_FAIT] == (
        "Foyer partagé avec Maison des Habitants Bêta"
    )
    # Une fois partagé, il n'est plus « connu ailleurs » : B voit la personne elle-même.
    identite = {"nom": "Benali", "prenoms": "Amina", "date_naissance": NAISSANCE}
    assert sites_connaissant_un_doublon(agent=ts_b, **identite) == []
    assert doublons_probables(agent=ts_b, **identite) == [parent]
    # Une demande décidée ne se décide plus.
    with pytest.raises(ValidationError, match="n'est plus en attente"):
        partage.refuser(agent=ts_a, demande=demande, motif_refus="Trop tard")


def test_une_personne_qui_quitte_le_foyer_partage_n_est_plus_visible(
    ts_a, ts_b, site_a, site_b, famille_de_a
):
    _f, parent, enfant, *_ = famille_de_a
    (demande,) = demander(ts_b, site_b, site_a)
    partage.accepter(agent=ts_a, demande=demande)
    membre = enfant.appartenances.get(date_fin__isnull=True)
    terminer_appartenance(agent=ts_b, membre=membre, date_fin=date(2025, 1, 1))
    assert set(Habitant.objects.visibles_par(ts_b)) == {parent}


def test_refuser_exige_un_motif(ts_a, ts_b, site_a, site_b, famille_de_a):
    f, *_ = famille_de_a
    (demande,) = demander(ts_b, site_b, site_a)
    with pytest.raises(ValidationError) as erreur:
        partage.refuser(agent=ts_a, demande=demande, motif_refus="")
    assert erreur.value.message_dict == {"motif_refus": ["Indiquez le motif du refus."]}
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.EN_ATTENTE
    partage.refuser(agent=ts_a, demande=demande, motif_refus="Suivi déjà assuré ici")
    demande.refresh_from_db()
    assert (demande.statut, demande.motif_refus) == (StatutDemande.REFUSEE, "Suivi déjà assuré ici")
    assert not Foyer.objects.visibles_par(ts_b).exists()
    assert entrees_du_foyer(f)[-1].details["apres"]["Motif du refus"] == "Suivi déjà assuré ici"
    # Refusée, une nouvelle demande reste possible.
    demander(ts_b, site_b, site_a)


def test_retirer_par_le_site_demandeur_seulement(ts_a, ts_b, site_a, site_b, famille_de_a):
    (demande,) = demander(ts_b, site_b, site_a)
    with pytest.raises(PermissionDenied):
        partage.retirer(agent=ts_a, demande=demande)
    partage.retirer(agent=ts_b, demande=demande)
    demande.refresh_from_db()
    assert (demande.statut, demande.close_par) == (StatutDemande.RETIREE, ts_b)
    with pytest.raises(ValidationError):
        partage.accepter(agent=ts_a, demande=demande)


def test_fin_de_partage_par_l_un_ou_l_autre_site(ts_a, ts_b, site_a, site_b, famille_de_a):
    f, *_ = famille_de_a
    ts_c = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[SiteFactory()])
    (demande,) = demander(ts_b, site_b, site_a)
    partage.accepter(agent=ts_a, demande=demande)
    with pytest.raises(PermissionDenied):
        partage.terminer_partage(agent=ts_c, demande=demande)
    partage.terminer_partage(agent=ts_b, demande=demande)
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.TERMINEE
    assert not Foyer.objects.visibles_par(ts_b).exists()
    assert not Habitant.objects.visibles_par(ts_b).exists()
    with pytest.raises(ValidationError, match="n'est pas partagé"):
        partage.terminer_partage(agent=ts_a, demande=demande)
    # Un nouveau partage, terminé cette fois par le site de rattachement.
    (seconde,) = demander(ts_b, site_b, site_a)
    partage.accepter(agent=ts_a, demande=seconde)
    partage.terminer_partage(agent=ts_a, demande=seconde)
    assert not Foyer.objects.visibles_par(ts_b).exists()
    assert [e.details[CLE_FAIT] for e in entrees_du_foyer(f)][-2:] == [
        "Foyer partagé avec Maison des Habitants Bêta",
        "Fin du partage du foyer avec Maison des Habitants Bêta",
    ]


def test_transfert_change_le_site_du_foyer_et_de_ses_membres_actuels(
    ts_a, ts_b, site_a, site_b, famille_de_a
):
    f, parent, enfant, autre, _voisin = famille_de_a
    parti = habitant(ts_a, nom_usage="Benali", prenoms="Omar")
    ajouter_membre(
        agent=ts_a, foyer=f, habitant=parti, role="autre_adulte", date_debut=date(2020, 1, 1)
    )
    terminer_appartenance(
        agent=ts_a, membre=parti.appartenances.get(date_fin__isnull=True), date_fin=date(2024, 1, 1)
    )
    # Un partage en cours avec B, puis le transfert à B : le partage devient sans objet.
    (p,) = demander(ts_b, site_b, site_a)
    partage.accepter(agent=ts_a, demande=p)
    # Déjà partagé : la personne n'est plus « d'ailleurs », le transfert se demande du dossier.
    with pytest.raises(ValidationError, match="Aucune personne semblable"):
        demander(ts_b, site_b, site_a, nature="transfert")
    with pytest.raises(ValidationError, match="déjà partagé avec votre site"):
        partage.demander(agent=ts_b, site_demandeur=site_b, foyer=f, nature="partage", motif="x")
    t = partage.demander(
        agent=ts_b, site_demandeur=site_b, foyer=f, nature="transfert", motif="Déménagement"
    )
    marque_avant = Foyer.objects.get(pk=f.pk).faits_modifies_le
    partage.accepter(agent=ts_a, demande=t)
    f.refresh_from_db()
    assert f.site == site_b
    assert f.faits_modifies_le > marque_avant
    assert Habitant.objects.get(pk=parent.pk).site == site_b
    assert Habitant.objects.get(pk=enfant.pk).site == site_b
    assert Habitant.objects.get(pk=parti.pk).site == site_a  # ancien membre : il reste
    p.refresh_from_db()
    assert p.statut == StatutDemande.TERMINEE
    assert not Foyer.objects.visibles_par(ts_a).filter(pk=f.pk).exists()
    assert list(Foyer.objects.visibles_par(ts_a)) == [autre]
    entree = entrees_du_foyer(f)[-1]
    assert entree.details["avant"] == {"Site de rattachement": "Maison des Habitants Alpha"}
    assert entree.details["apres"]["Site de rattachement"] == "Maison des Habitants Bêta"


def _brute(f, demandeur, site_b, site_a, **champs):
    champs = {
        "foyer": f,
        "site_demandeur": site_b,
        "site_sollicite": site_a,
        "nature": "partage",
        "motif": "Motif",
        "demandee_par": demandeur,
        "demandee_le": timezone.now(),
        **champs,
    }
    with transaction.atomic():
        return DemandePartage.objects.create(**champs)


@pytest.mark.parametrize(
    "champs",
    [
        {"motif": ""},
        {"site_demandeur": "site_a"},
        {"statut": "refusee", "decidee_le": "maintenant", "decidee_par": "ts_a"},
        {"statut": "acceptee"},
        {"statut": "terminee", "nature": "transfert"},
        {"nature": "fusion"},
        {"statut": "en_attente", "motif_refus": "Non"},
    ],
)
def test_la_base_refuse_une_demande_incoherente(champs, ts_a, ts_b, site_a, site_b, famille_de_a):
    f, *_ = famille_de_a
    valeurs = {"site_a": site_a, "maintenant": timezone.now(), "ts_a": ts_a}
    champs = {k: valeurs.get(v, v) if isinstance(v, str) else v for k, v in champs.items()}
    with pytest.raises(IntegrityError):
        _brute(f, ts_b, site_b, site_a, **champs)


def test_la_base_refuse_deux_demandes_en_attente_du_meme_site(ts_b, site_a, site_b, famille_de_a):
    f, *_ = famille_de_a
    _brute(f, ts_b, site_b, site_a)
    with pytest.raises(IntegrityError):
        _brute(f, ts_b, site_b, site_a, nature="transfert")


def test_le_site_partenaire_inscrit_une_nouvelle_personne_dans_le_foyer_partage(
    ts_a, ts_b, site_a, site_b, famille_de_a
):
    f, *_ = famille_de_a
    (demande,) = demander(ts_b, site_b, site_a)
    partage.accepter(agent=ts_a, demande=demande)
    membre = inscrire_dans_le_foyer(
        agent=ts_b,
        foyer=f,
        role="enfant",
        date_debut=date(2026, 1, 1),
        nom_usage="Benali",
        prenoms="Lou",
        date_naissance=date(2025, 12, 1),
        confirmer_nouveau=True,
    )
    # Rangée au site du foyer, visible des deux sites.
    assert membre.habitant.site == site_a
    assert acces.personne_accessible({site_b.pk}, membre.habitant)
    assert acces.personne_accessible({site_a.pk}, membre.habitant)
