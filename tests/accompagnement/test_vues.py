"""Les écrans de l'accompagnement : dossier, ouverture, plan d'action, interventions,
orientations — périmètre (404), journal, htmx, messages d'erreur en français."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accompagnement import services
from accompagnement.models import Accompagnement, Action, Intervention, Orientation
from ccas_portal.models import EntreeJournal, Partenaire
from habitants.models import Motif
from habitants.services import enregistrer_passage
from tests.accompagnement.conftest import ouvrir
from tests.factories import AgentFactory, SiteFactory, foyer

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(nom, *args):
    return reverse(f"accompagnement:{nom}", args=args)


@pytest.fixture
def accompagnement(ts, famille):
    return ouvrir(ts, famille)


# --- Périmètre --------------------------------------------------------------------------


def test_dossier_d_un_foyer_d_un_autre_site_est_un_404(client, ts, referentiels):
    ailleurs = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="ailleurs")])
    f = foyer(ailleurs)
    client.force_login(ts)
    assert client.get(url("dossier", f.pk)).status_code == 404
    assert client.get(url("ouvrir", f.pk)).status_code == 404
    assert client.get(url("dossier", 999_999)).status_code == 404


def test_co_intervenant_d_un_autre_site_sans_partage_recoit_des_404(
    client, ts, famille, referentiels
):
    """Intervenir dans un accompagnement ne donne pas accès au foyer : l'accès suit les
    sites de l'agent (ADR 0025)."""
    ailleurs = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="ailleurs")])
    a = ouvrir(ts, famille, co_intervenants=[ailleurs])
    client.force_login(ailleurs)
    assert client.get(url("dossier", famille[0].pk)).status_code == 404
    assert client.get(url("detail", a.pk)).status_code == 404
    assert client.get(url("ouvrir", famille[0].pk)).status_code == 404


def test_accompagnement_d_un_collegue_est_un_404_mais_visible_dans_le_dossier(
    client, ts, famille, site
):
    collegue = AgentFactory(role="travailleur_social", sites=[site])
    a = ouvrir(collegue, famille, axe="sante")
    client.force_login(ts)
    assert client.get(url("detail", a.pk)).status_code == 404
    assert client.post(url("ajouter_objectif", a.pk), {"libelle": "x"}).status_code == 404
    html = client.get(url("dossier", famille[0].pk)).content.decode()
    assert "Santé" in html
    assert str(collegue) in html
    assert url("detail", a.pk) not in html  # pas de lien vers un accompagnement fermé


@pytest.mark.parametrize("role", ["accueil", "responsable", "admin"])
def test_ni_l_accueil_ni_les_responsables_n_atteignent_les_dossiers(
    client, role, accompagnement, site, famille
):
    client.force_login(AgentFactory(role=role, sites=[site]))
    for adresse in (
        url("dossier", famille[0].pk),
        url("ouvrir", famille[0].pk),
        url("detail", accompagnement.pk),
    ):
        reponse = client.get(adresse)
        assert reponse.status_code == 403
        assert famille[1].prenoms not in reponse.content.decode()


# --- Journal ------------------------------------------------------------------------------


def test_chaque_lecture_du_dossier_et_de_l_accompagnement_est_journalisee(
    client, ts, famille, accompagnement
):
    client.force_login(ts)
    avant = EntreeJournal.objects.count()
    client.get(url("dossier", famille[0].pk))
    client.get(url("dossier", famille[0].pk))
    client.get(url("detail", accompagnement.pk))
    entrees = list(EntreeJournal.objects.order_by("-id")[:3])
    assert EntreeJournal.objects.count() == avant + 3
    assert [(e.action, e.objet_type, e.objet_id, e.agent_id) for e in reversed(entrees)] == [
        ("consultation", "habitants.foyer", str(famille[0].pk), ts.pk),
        ("consultation", "habitants.foyer", str(famille[0].pk), ts.pk),
        ("consultation", "accompagnement.accompagnement", str(accompagnement.pk), ts.pk),
    ]
    assert entrees[0].adresse_ip == "127.0.0.1"


def test_un_404_n_est_pas_journalise_comme_une_lecture(client, ts, referentiels):
    f = foyer(AgentFactory(role="travailleur_social", sites=[SiteFactory(code="autre")]))
    client.force_login(ts)
    avant = EntreeJournal.objects.count()
    client.get(url("dossier", f.pk))
    assert EntreeJournal.objects.count() == avant


def test_chaque_changement_d_un_accompagnement_est_journalise(client, ts, accompagnement):
    client.force_login(ts)
    avant = EntreeJournal.objects.filter(agent=ts, action="modification").count()
    client.post(url("ajouter_objectif", accompagnement.pk), {"libelle": "Reloger"})
    client.post(
        url("changer_statut", accompagnement.pk),
        {"statut": "en_cours", "date_effet": timezone.localdate().isoformat()},
    )
    assert EntreeJournal.objects.filter(agent=ts, action="modification").count() == avant + 2


# --- Ouverture ----------------------------------------------------------------------------


def test_ouvrir_un_accompagnement(client, ts, famille, site):
    f, parent, enfant = famille
    collegue = AgentFactory(role="travailleur_social", sites=[site], nom="Durand")
    client.force_login(ts)
    page = client.get(url("ouvrir", f.pk)).content.decode()
    assert "Amina" in page
    assert "Durand" in page
    reponse = client.post(
        url("ouvrir", f.pk),
        {
            "axe": "logement",
            "membres": [parent.pk, enfant.pk],
            "co_intervenants": [collegue.pk],
            "date_ouverture": "2026-02-01",
        },
    )
    a = Accompagnement.objects.get()
    assert reponse.status_code == 302
    assert reponse["Location"] == url("detail", a.pk)
    assert a.referent == ts
    assert list(a.co_intervenants.all()) == [collegue]
    assert set(a.membres.all()) == {parent, enfant}


def test_ouvrir_sans_personne_ou_dans_le_futur_refuse_en_francais(client, ts, famille):
    client.force_login(ts)
    futur = (timezone.localdate() + timedelta(days=3)).isoformat()
    reponse = client.post(
        url("ouvrir", famille[0].pk), {"axe": "logement", "date_ouverture": futur}
    )
    assert reponse.status_code == 422
    assert "Choisissez au moins une personne du foyer." in reponse.content.decode()
    reponse = client.post(
        url("ouvrir", famille[0].pk),
        {"axe": "logement", "membres": [famille[1].pk], "date_ouverture": futur},
    )
    assert reponse.status_code == 422
    assert "Cette date est dans le futur." in reponse.content.decode()
    assert not Accompagnement.objects.exists()


# --- Plan d'action, interventions, orientations (htmx et sans JavaScript) -----------------


def test_plan_d_action_en_htmx(client, ts, accompagnement):
    client.force_login(ts)
    reponse = client.post(
        url("ajouter_objectif", accompagnement.pk),
        {"modele": "Déposer ou renouveler la demande de logement social"},
        **HTMX,
    )
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert html.lstrip().startswith('<section id="plan"')
    assert "Objectif ajouté." in html
    objectif = accompagnement.objectifs.get()
    for libelle, echeance in (("Déposer la demande", "2026-12-15"), ("Relancer le bailleur", "")):
        reponse = client.post(
            url("ajouter_action", accompagnement.pk),
            {"objectif": objectif.pk, "libelle": libelle, "echeance": echeance},
            **HTMX,
        )
        assert "Action ajoutée." in reponse.content.decode()
    action = Action.objects.get(libelle="Relancer le bailleur")
    reponse = client.post(
        url("statut_action", accompagnement.pk, action.pk), {"statut": "realisee"}, **HTMX
    )
    action.refresh_from_db()
    assert action.statut == "realisee"
    assert 'value="realisee" selected' in reponse.content.decode()


def test_objectif_vide_refuse_et_formulaire_revient_avec_l_erreur(client, ts, accompagnement):
    client.force_login(ts)
    reponse = client.post(url("ajouter_objectif", accompagnement.pk), {}, **HTMX)
    assert reponse.status_code == 200  # htmx n'échange pas une 4xx
    assert "Choisissez un objectif proposé ou écrivez-en un." in reponse.content.decode()
    reponse = client.post(url("ajouter_objectif", accompagnement.pk), {})
    assert reponse.status_code == 422
    assert not accompagnement.objectifs.exists()


def test_statut_d_action_inconnu_refuse_sans_javascript(client, ts, accompagnement):
    objectif = services.ajouter_objectif(agent=ts, accompagnement=accompagnement, libelle="O")
    action = services.ajouter_action(agent=ts, objectif=objectif, libelle="A")
    client.force_login(ts)
    reponse = client.post(url("statut_action", accompagnement.pk, action.pk), {"statut": "fini"})
    assert reponse.status_code == 422
    assert "Sélectionnez un choix valide" in reponse.content.decode()
    action.refresh_from_db()
    assert action.statut == "a_faire"


def test_action_d_un_autre_accompagnement_est_un_404(client, ts, famille, accompagnement):
    autre = ouvrir(ts, famille, axe="sante")
    objectif = services.ajouter_objectif(agent=ts, accompagnement=autre, libelle="O")
    action = services.ajouter_action(agent=ts, objectif=objectif, libelle="A")
    client.force_login(ts)
    reponse = client.post(
        url("statut_action", accompagnement.pk, action.pk), {"statut": "realisee"}
    )
    assert reponse.status_code == 404


def test_visite_a_domicile_confidentielle(client, ts, famille, site, accompagnement):
    f, parent, _ = famille
    collegue = AgentFactory(role="travailleur_social", sites=[site])
    accompagnement.co_intervenants.add(collegue)
    client.force_login(ts)
    reponse = client.post(
        url("ajouter_intervention", accompagnement.pk),
        {
            "type": "visite_domicile",
            "date": timezone.localdate().isoformat(),
            "duree_minutes": "45",
            "lieu": "Domicile",
            "participants": [parent.pk],
            "compte_rendu": "Humidité importante dans la chambre des enfants.",
            "confidentiel": "on",
        },
        **HTMX,
    )
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Intervention enregistrée." in html
    assert "Humidité importante" in html
    assert Intervention.objects.get().confidentiel
    # Le co-intervenant voit qu'une note existe, pas son contenu — page et dossier.
    client.force_login(collegue)
    for adresse in (url("detail", accompagnement.pk), url("dossier", f.pk)):
        html = client.get(adresse).content.decode()
        assert "Visite à domicile" in html
        assert "Note confidentielle" in html
        assert "Humidité" not in html


def test_intervention_invalide_messages_en_francais(client, ts, accompagnement):
    client.force_login(ts)
    reponse = client.post(
        url("ajouter_intervention", accompagnement.pk),
        {"type": "appel", "date": "2025-01-01", "duree_minutes": "900"},
        **HTMX,
    )
    html = reponse.content.decode()
    assert "inférieure ou égale à 600" in html
    reponse = client.post(
        url("ajouter_intervention", accompagnement.pk),
        {"type": "appel", "date": "2025-01-01"},
        **HTMX,
    )
    assert (
        "Cette date précède l&#x27;ouverture de l&#x27;accompagnement." in reponse.content.decode()
    )
    assert not Intervention.objects.exists()


def test_orienter_puis_suivre(client, ts, accompagnement):
    caf = Partenaire.objects.get(code="caf")
    client.force_login(ts)
    reponse = client.post(
        url("orienter", accompagnement.pk),
        {"partenaire": caf.pk, "motif": "Ouverture des droits APL", "date": "2026-02-01"},
        **HTMX,
    )
    assert "Orientation enregistrée." in reponse.content.decode()
    orientation = Orientation.objects.get()
    reponse = client.post(
        url("suivre_orientation", accompagnement.pk, orientation.pk),
        {"statut": "acceptee", "resultat": "Dossier pris en charge"},
    )
    assert reponse.status_code == 302
    assert reponse["Location"].endswith("#orientations")
    orientation.refresh_from_db()
    assert (orientation.statut, orientation.resultat) == ("acceptee", "Dossier pris en charge")


def test_changer_statut_et_clore(client, ts, accompagnement):
    client.force_login(ts)
    aujourd_hui = timezone.localdate().isoformat()
    reponse = client.post(
        url("changer_statut", accompagnement.pk), {"statut": "clos", "date_effet": aujourd_hui}
    )
    assert reponse.status_code == 422
    assert "Indiquez le motif de clôture." in reponse.content.decode()
    client.post(
        url("changer_statut", accompagnement.pk),
        {"statut": "clos", "date_effet": aujourd_hui, "motif_cloture": "demenagement"},
    )
    accompagnement.refresh_from_db()
    assert accompagnement.statut == "clos"
    html = client.get(url("detail", accompagnement.pk)).content.decode()
    assert "Nouvelle intervention" not in html  # clos : plus de formulaires d'écriture
    reponse = client.post(url("ajouter_objectif", accompagnement.pk), {"libelle": "X"})
    assert "Un accompagnement clos ne se modifie plus." in reponse.content.decode()


def test_faits_de_l_axe(client, ts, accompagnement):
    client.force_login(ts)
    client.post(
        url("faits", accompagnement.pk),
        {"numero_demande_logement_social": "038-123", "date_demande_logement_social": "2025-11-02"},
    )
    accompagnement.refresh_from_db()
    assert accompagnement.faits["date_demande_logement_social"] == "2025-11-02"
    reponse = client.post(url("faits", accompagnement.pk), {"date_demande_logement_social": "hier"})
    assert reponse.status_code == 422
    assert "Saisissez une date valide." in reponse.content.decode()


# --- Dossier et chronologie ---------------------------------------------------------------


def test_chronologie_ordonnee_et_complete(client, ts, famille, site, accompagnement):
    f, parent, _enfant = famille
    motif = Motif.objects.filter(actif=True).first()
    hier = timezone.localdate() - timedelta(days=1)
    enregistrer_passage(
        agent=ts,
        site=site,
        habitant=parent,
        mode="physique",
        motifs=[motif],
        reponse="information",
        date_heure=timezone.now() - timedelta(hours=1),
    )
    services.enregistrer_intervention(
        agent=ts,
        accompagnement=accompagnement,
        type="appel",
        date_intervention=hier,
        compte_rendu="Appel au bailleur",
    )
    services.orienter(
        agent=ts,
        accompagnement=accompagnement,
        partenaire=Partenaire.objects.get(code="caf"),
        motif="APL",
        date_orientation=hier,
    )
    client.force_login(ts)
    html = client.get(url("dossier", f.pk)).content.decode()
    positions = [
        html.index("Passage à l&#x27;accueil"),
        html.index("Orientation vers"),
        html.index("Appel au bailleur"),
        html.index("Ouverture de l&#x27;accompagnement"),
    ]
    assert positions == sorted(positions)
    assert "4 entrées" in html


def test_passage_oriente_vers_un_partenaire_le_nomme_dans_la_chronologie(client, ts, famille, site):
    f, parent, _enfant = famille
    enregistrer_passage(
        agent=ts,
        site=site,
        habitant=parent,
        mode="physique",
        motifs=[Motif.objects.filter(actif=True).first()],
        reponse="orientation_partenaire",
        partenaire=Partenaire.objects.get(code="mission-locale"),
    )
    client.force_login(ts)
    html = client.get(url("dossier", f.pk)).content.decode()
    assert "Orientation vers un partenaire : Mission locale" in html


def test_passage_d_un_ancien_membre_hors_de_sa_periode_n_est_pas_dans_le_dossier(
    client, ts, famille, site
):
    from habitants.services import retirer_membre

    f, _parent, enfant = famille
    motif = Motif.objects.filter(actif=True).first()
    membre = f.membres.get(habitant=enfant)
    retirer_membre(agent=ts, membre=membre, date_fin=date(2021, 1, 1))
    enregistrer_passage(
        agent=ts,
        site=site,
        habitant=enfant,
        mode="telephone",
        motifs=[motif],
        reponse="information",
    )
    client.force_login(ts)
    assert "Passage à l&#x27;accueil" not in client.get(url("dossier", f.pk)).content.decode()


@pytest.mark.parametrize("n", [3, 100])
def test_dossier_nombre_de_requetes_constant(client, ts, famille, site, n, snapshot_requetes):
    """n accompagnements × (ouverture + intervention + orientation) = 3n entrées (300)."""
    f, _parent, _ = famille
    caf = Partenaire.objects.get(code="caf")
    for i in range(n):
        a = ouvrir(ts, famille, date_ouverture=date(2025, 1, 1) + timedelta(days=i))
        services.enregistrer_intervention(
            agent=ts,
            accompagnement=a,
            type="appel",
            date_intervention=date(2025, 6, 1),
            confidentiel=i % 2 == 0,
        )
        services.orienter(
            agent=ts,
            accompagnement=a,
            partenaire=caf,
            motif="APL",
            date_orientation=date(2025, 6, 2),
        )
    from droits.models import Document

    Document.objects.bulk_create(
        Document(
            foyer=f,
            personne=_parent if i % 2 else None,
            type_piece="quittance_loyer",
            date_document=date(2025, 1, 1),
            fichier=f"essai/{f.pk}-{i}.pdf",
            nom_original="quittance.pdf",
            type_mime="application/pdf",
            taille=1000,
            empreinte="0" * 64,
            depose_par=ts,
        )
        for i in range(n)
    )
    client.force_login(ts)
    # session, agent, foyer, mes accompagnements du foyer, journal (insertion), sites de
    # l'agent, accompagnements, membres, passages, motifs des passages, changements de statut,
    # interventions, orientations, menu ; dossier social : loyers, situations conjugales,
    # ressources, santé, changements des faits relus du journal ; demandes de partage du foyer
    # +2 : les pièces du dossier et les personnes proposées à leur dépôt ; +1 : les demandes
    # d'aide du foyer.
    with snapshot_requetes():
        reponse = client.get(url("dossier", f.pk))
    assert f"{3 * n} entrées" in reponse.content.decode()
    assert f"{n} pièces" in reponse.content.decode()
