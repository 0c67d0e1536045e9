"""Durée de conservation (2 ans après le dernier contact), anonymisation, commande et tâche."""

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accompagnement import services as accompagnements
from accompagnement.models import (
    ActionCollective,
    Intervention,
    Orientation,
    Seance,
)
from ccas_portal.models import EntreeJournal, InstantaneTableauDeBord, Partenaire
from ccas_portal.periodes import Periode
from ccas_portal.pilotage import indicateurs as ind
from ccas_portal.pilotage import instantanes
from droits.models import ChangementSignalement, PrestationFoyer, Signalement
from habitants import conservation, fusion
from habitants.models import (
    DemandePartage,
    Habitant,
    MembreFoyer,
    Passage,
    PeriodeLoyer,
    Ressource,
    SituationSante,
)
from habitants.services import (
    ajouter_membre,
    enregistrer_information,
    enregistrer_ressource,
    enregistrer_situation_sante,
)
from habitants.tasks import purger_personnes
from tests.factories import AgentFactory, SiteFactory, foyer, habitant, passage

pytestmark = pytest.mark.django_db

AUJOURD_HUI = timezone.localdate()
ANCIEN = AUJOURD_HUI - timedelta(days=3 * 365)  # plus de 2 ans : conservation échue
RECENT = AUJOURD_HUI - timedelta(days=365)  # moins de 2 ans


def horodate(jour):
    return timezone.make_aware(datetime.combine(jour, time(10)))


@pytest.fixture
def ts(referentiels):
    return AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-rgpd")])


def dossier(ts, recent: str = "", ouvert: str = ""):
    """Une personne et son foyer, connus depuis longtemps : tous ses contacts datent d'il y a
    3 ans, sauf la sorte `recent` (il y a 1 an) ; `ouvert` : ce qui tient son dossier ouvert."""

    def jour(sorte):
        return RECENT if sorte == recent else ANCIEN

    f = foyer(ts, adresse="8 rue des Alliés", loyer_mensuel=Decimal("400"))
    h = habitant(
        ts,
        nom_usage="Lefèvre",
        prenoms="Odile",
        date_naissance=date(1961, 8, 14),
        sexe="F",
        telephone="0476000000",
        courriel="odile@example.org",
    )
    ajouter_membre(agent=ts, foyer=f, habitant=h, role="demandeur", date_debut=date(2015, 1, 1))
    enregistrer_ressource(
        agent=ts,
        habitant=h,
        type="retraite",
        montant_mensuel=Decimal("900"),
        date_debut=date(2019, 1, 1),
    )
    enregistrer_situation_sante(agent=ts, habitant=h, taux_incapacite=50, reconnaissance_mdph=True)
    enregistrer_information(
        agent=ts, habitant=h, date_information=jour("information"), consentement="accepte"
    )
    passage(ts, h, date_heure=horodate(jour("passage")), note="Vient pour sa retraite")
    acc = accompagnements.ouvrir_accompagnement(
        agent=ts, foyer=f, axe="bien_vieillir", membres=[h], date_ouverture=ANCIEN
    )
    Intervention.objects.create(
        accompagnement=acc, type="appel", date=ANCIEN, auteur=ts, compte_rendu="Isolée, triste"
    ).participants.add(h)
    if recent == "intervention":
        Intervention.objects.create(
            accompagnement=acc, type="appel", date=RECENT, auteur=ts
        ).participants.add(h)
    Orientation.objects.create(
        accompagnement=acc,
        partenaire=Partenaire.objects.first(),
        motif="Aide à domicile",
        date=jour("orientation"),
        auteur=ts,
    )
    if ouvert != "accompagnement":
        accompagnements.changer_statut(
            agent=ts,
            accompagnement=acc,
            statut="clos",
            date_effet=ANCIEN + timedelta(days=30),
            motif_cloture="objectifs_atteints",
        )
    action = ActionCollective.objects.create(
        titre="Atelier mémoire",
        type="atelier",
        site=ts.sites.first(),
        date_debut=ANCIEN,
        cree_par=ts,
    )
    Seance.objects.create(
        action=action, date=jour("seance"), site=ts.sites.first(), theme="Jeux", auteur=ts
    ).participants.add(h)
    PrestationFoyer.objects.create(
        foyer=f,
        prestation_id="aspa",
        beneficiaire=h,
        statut="demandee" if ouvert == "prestation" else "refusee",
        date_demande=jour("prestation"),
        source="declaration",
        note="Dossier incomplet",
        saisi_par=ts,
    )
    signalement = Signalement.objects.create(
        foyer=f,
        prestation_id="css_gratuite",
        montant_estime=Decimal("0"),
        empreinte="e",
        explication={"mois": "01/2024", "personnes": 1, "ressources": 900},
        etat="a_traiter" if ouvert == "signalement" else "non_eligible",
    )
    ChangementSignalement.objects.create(
        signalement=signalement,
        ancien="nouveau",
        nouveau="a_traiter",
        agent=ts,
        commentaire="Appelée",
    )
    if ouvert == "partage":
        DemandePartage.objects.create(
            foyer=f,
            habitant=h,
            site_demandeur=SiteFactory(code="mdh-autre"),
            site_sollicite=ts.sites.first(),
            nature="partage",
            motif="Connue chez nous",
            demandee_par=ts,
            demandee_le=horodate(ANCIEN),
        )
    # Ce que les services datent d'aujourd'hui, ramené au passé voulu.
    Habitant.objects.filter(pk=h.pk).update(cree_le=horodate(ANCIEN))
    PrestationFoyer.objects.filter(foyer=f).update(modifie_le=horodate(ANCIEN))
    ChangementSignalement.objects.filter(signalement=signalement).update(
        le=horodate(jour("signalement"))
    )
    h.refresh_from_db()
    return h, f


def test_sans_contact_depuis_2_ans_la_personne_est_anonymisee(ts):
    h, f = dossier(ts)
    autre = habitant(ts, nom_usage="Récente", prenoms="Zoé")  # inscrite aujourd'hui
    passages_avant = Passage.objects.filter(habitant=h).count()
    bilan = conservation.purger()
    assert bilan.anonymisees == [h.pk]
    assert bilan.limite == conservation.limite_de_conservation()
    h.refresh_from_db()
    assert h.anonymise_le is not None
    assert (h.nom_usage, h.prenoms, h.nom_naissance) == ("ANONYME", f"n° {h.pk}", "")
    assert (h.telephone, h.courriel, h.sexe, h.recherche, h.cle_nom) == ("", "", "", "", "")
    assert h.date_naissance == date(1961, 1, 1)  # l'année seule : la tranche d'âge
    assert (h.consentement, h.date_consentement, h.date_information) == ("non_demande", None, None)
    assert h.site_id == ts.sites.first().pk
    # Effacé : santé, ressources, textes libres, adresse du foyer (tous ses membres anonymes).
    assert not SituationSante.objects.filter(habitant=h).exists()
    assert not Ressource.objects.filter(habitant=h).exists()
    assert not PeriodeLoyer.objects.filter(foyer=f).exists()
    assert set(Passage.objects.filter(habitant=h).values_list("note", flat=True)) == {""}
    assert set(Intervention.objects.values_list("compte_rendu", flat=True)) == {""}
    assert set(Orientation.objects.values_list("motif", flat=True)) == {"(effacé)"}
    assert set(ChangementSignalement.objects.values_list("commentaire", flat=True)) == {""}
    assert Signalement.objects.get().explication == {"mois": "01/2024", "personnes": 1}
    assert PrestationFoyer.objects.get().note == ""
    f.refresh_from_db()
    assert (f.adresse, f.adresse_normalisee, f.code_insee) == ("(effacé)", "", "38185")
    # Gardé : les lignes que comptent les statistiques.
    assert Passage.objects.filter(habitant=h).count() == passages_avant
    assert h.appartenances.count() == 1
    assert Seance.objects.filter(participants=h).count() == 1
    # Sortie des listes, même pour son propre site ; l'autre personne est intacte.
    assert not Habitant.objects.visibles_par(ts).filter(pk=h.pk).exists()
    autre.refresh_from_db()
    assert (autre.anonymise_le, autre.nom_usage) == (None, "Récente")
    entree = EntreeJournal.objects.get(
        action="purge", objet_type="habitants.habitant", objet_id=str(h.pk)
    )
    assert "conservation échue" in entree.details["motif"]
    assert "Lefèvre" not in str(entree.details)
    assert "Odile" not in str(entree.details)
    bilan_journal = EntreeJournal.objects.get(action="purge", objet_id="")
    assert bilan_journal.details["conservation"]["anonymisees"] == 1
    # Une deuxième purge ne refait rien.
    assert conservation.purger().anonymisees == []


@pytest.mark.parametrize(
    "recent",
    [
        "passage",
        "intervention",
        "orientation",
        "seance",
        "prestation",
        "signalement",
        "information",
    ],
)
def test_chaque_sorte_de_contact_remet_le_compteur(ts, recent):
    h, _ = dossier(ts, recent=recent)
    assert h.pk in conservation.contacts_depuis(conservation.limite_de_conservation())
    assert conservation.purger().anonymisees == []
    h.refresh_from_db()
    assert (h.anonymise_le, h.nom_usage) == (None, "Lefèvre")


def test_le_contact_d_un_membre_garde_tout_le_foyer_actuel(ts):
    _, f = dossier(ts, recent="passage")
    conjoint = habitant(ts, nom_usage="Lefèvre", prenoms="Marc")
    ajouter_membre(agent=ts, foyer=f, habitant=conjoint, role="conjoint", date_debut=ANCIEN)
    parti = habitant(ts, nom_usage="Lefèvre", prenoms="Hugo")
    ajouter_membre(agent=ts, foyer=f, habitant=parti, role="enfant", date_debut=date(2015, 1, 1))
    MembreFoyer.objects.filter(habitant=parti).update(date_fin=ANCIEN)
    Habitant.objects.filter(pk__in=[conjoint.pk, parti.pk]).update(cree_le=horodate(ANCIEN))
    assert conservation.purger().anonymisees == [parti.pk]  # parti avant la limite
    assert Habitant.objects.get(pk=conjoint.pk).anonymise_le is None


def test_une_personne_anonymisee_n_est_plus_simulee(ts):
    from droits.detection.situation import charger_foyers

    h, f = dossier(ts)
    assert [p.id for p in charger_foyers([f.pk], AUJOURD_HUI)[0].personnes] == [h.pk]
    conservation.purger()
    assert charger_foyers([f.pk], AUJOURD_HUI) == []


def test_un_contact_juste_a_la_limite_garde_la_personne(ts):
    h, _ = dossier(ts)
    limite = conservation.limite_de_conservation()
    passage(ts, h, date_heure=horodate(limite))
    assert conservation.purger().anonymisees == []
    Passage.objects.filter(habitant=h).update(date_heure=horodate(limite - timedelta(days=1)))
    assert conservation.purger().anonymisees == [h.pk]


@pytest.mark.parametrize(
    ("ouvert", "raison"),
    [
        ("accompagnement", "accompagnement"),
        ("signalement", "signalement"),
        ("prestation", "prestation"),
        ("partage", "partage"),
    ],
)
def test_un_dossier_tenu_ouvert_n_est_pas_purge(ts, ouvert, raison):
    h, _ = dossier(ts, ouvert=ouvert)
    bilan = conservation.purger()
    assert bilan.anonymisees == []
    assert bilan.tenues_ouvertes == {raison: 1}
    assert any(conservation.TENU_OUVERT[raison] in ligne for ligne in bilan.lignes())
    h.refresh_from_db()
    assert h.anonymise_le is None


def test_la_duree_est_un_reglage(ts, settings):
    h, _ = dossier(ts, recent="passage")  # il y a 1 an
    settings.CONSERVATION_MOIS_SANS_CONTACT = 6
    assert conservation.limite_de_conservation(date(2026, 8, 31)) == date(2026, 2, 28)
    assert conservation.purger().anonymisees == [h.pk]


def test_chaque_lien_de_l_inventaire_a_son_traitement():
    """L'inventaire de la fusion (tout ce qui désigne une personne) est aussi celui de
    l'anonymisation et de l'export : un lien nouveau doit y recevoir un traitement."""
    from habitants import export_personne

    natures = {lien.nature for lien in fusion.LIENS}
    assert set(conservation.ANONYMISER) == natures
    assert set(export_personne.SECTIONS_LIENS) == natures


def test_un_lien_sans_traitement_annule_l_anonymisation(ts, monkeypatch):
    h, _ = dossier(ts)
    monkeypatch.delitem(conservation.ANONYMISER, "passages")
    with pytest.raises(RuntimeError, match="passages"):
        conservation.anonymiser_habitant(habitant=h, agent=None, motif="essai")
    h.refresh_from_db()
    assert h.anonymise_le is None


def test_commande_a_blanc_par_defaut_puis_wet_run(ts):
    h, _ = dossier(ts)
    sortie = io.StringIO()
    call_command("purger_personnes", stdout=sortie)
    texte = sortie.getvalue()
    assert "1 personne anonymisée" in texte
    assert f"n° {h.pk}" in texte
    assert "Simulation : rien n'a été enregistré" in texte
    h.refresh_from_db()
    assert (h.anonymise_le, h.nom_usage) == (None, "Lefèvre")
    assert not EntreeJournal.objects.filter(action="purge").exists()
    sortie = io.StringIO()
    call_command("purger_personnes", "--wet-run", stdout=sortie)
    assert "1 personne anonymisée" in sortie.getvalue()
    h.refresh_from_db()
    assert h.anonymise_le is not None
    sortie = io.StringIO()
    call_command("purger_personnes", "--wet-run", stdout=sortie)
    assert "aucune personne anonymisée" in sortie.getvalue()


def test_la_commande_dit_les_dossiers_tenus_ouverts(ts):
    dossier(ts, ouvert="signalement")
    sortie = io.StringIO()
    call_command("purger_personnes", stdout=sortie)
    assert (
        "1 personne sans contact gardée : dossier tenu ouvert (signalement en cours : 1)."
        in sortie.getvalue()
    )


def test_tache_mensuelle_et_son_planning(ts):
    from django_celery_beat.models import PeriodicTask

    h, _ = dossier(ts)
    tache = PeriodicTask.objects.get(task="habitants.purger_personnes")
    assert (tache.crontab.day_of_month, tache.crontab.hour, tache.crontab.minute) == (
        "1",
        "3",
        "30",
    )
    resultat = purger_personnes.apply().get()
    assert resultat["anonymisees"] == 1
    assert resultat["mois"] == 24
    h.refresh_from_db()
    assert h.anonymise_le is not None


def test_les_chiffres_du_tableau_de_bord_ne_bougent_pas_apres_une_purge(ts):
    dossier(ts)
    dossier(ts)  # une deuxième personne, purgée aussi
    passage(ts, None, date_heure=horodate(ANCIEN))  # un passage anonyme
    periode = Periode(ANCIEN - timedelta(days=60), ANCIEN + timedelta(days=60), "essai")
    filtres = ind.Filtres(periode)
    avant = instantanes.obtenir(filtres)
    contenu_avant = InstantaneTableauDeBord.objects.get().contenu
    recalcul_avant = instantanes.calculer(filtres, None, sur_les_lignes=True)
    assert len(conservation.purger().anonymisees) == 2
    # L'instantané déjà calculé est relu tel quel…
    apres = instantanes.obtenir(filtres)
    assert InstantaneTableauDeBord.objects.get().contenu == contenu_avant
    assert apres.cles == avant.cles
    # …et un recalcul sur les lignes retrouve les mêmes nombres (passages, personnes,
    # foyers, interventions, tranches d'âge…).
    recalcul_apres = instantanes.calculer(filtres, None, sur_les_lignes=True)
    assert recalcul_apres == recalcul_avant
    assert recalcul_avant["cles"]["passages"][0] == 3
