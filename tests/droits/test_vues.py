"""Écrans des droits : signalements, changement d'état, prestations, lancement et progression."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from droits.detection import execution as detection
from droits.detection.execution import lancer_detection
from droits.models import ExecutionDetection, PrestationFoyer, Signalement
from tests.droits.conftest import MOIS
from tests.factories import AgentFactory, SiteFactory

pytestmark = [pytest.mark.django_db, pytest.mark.moteur]


def executer():
    e = ExecutionDetection.objects.create(declencheur="test", perimetre="tous", mois_cible=MOIS)
    for lot in detection.preparer(e.pk):
        detection.traiter_lot(lot)
    return e


def test_signalements_tries_par_montant_et_filtres(client, ts, seul_sans_revenu):
    executer()
    client.force_login(ts)
    html = client.get(reverse("droits:signalements")).content.decode()
    assert html.index("573,49") < html.index("308,00")  # montant décroissant, format français
    html = client.get(reverse("droits:signalements"), {"prestation": "rsa"}).content.decode()
    assert "1 signalement" in html
    html = client.get(reverse("droits:signalements"), {"axe": "logement"}).content.decode()
    assert "1 signalement" in html
    assert '<span class="d-block small">Logement et hébergement</span>' in html


def test_signalements_d_un_autre_site_invisibles(client, ts, seul_sans_revenu):
    executer()
    autre = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="autre-site")])
    client.force_login(autre)
    assert "0 signalement" in client.get(reverse("droits:signalements")).content.decode()
    s = Signalement.objects.first()
    reponse = client.post(reverse("droits:changer_etat", args=[s.pk]), {"etat": "contacte"})
    assert reponse.status_code == 404


def test_changer_l_etat_d_un_signalement(client, ts, seul_sans_revenu):
    executer()
    s = Signalement.objects.get(prestation="rsa")
    client.force_login(ts)
    reponse = client.post(
        reverse("droits:changer_etat", args=[s.pk]),
        {"etat": "demande_deposee", "commentaire": "Dossier CAF envoyé"},
    )
    assert reponse["Location"] == reverse("droits:signalement", args=[s.pk])
    s.refresh_from_db()
    assert s.etat == "demande_deposee"
    assert s.changements.last().commentaire == "Dossier CAF envoyé"
    # L'historique sur la fiche du foyer : le repérage (daté du signalement), puis le geste de
    # l'agent.
    html = client.get(reverse("accompagnement:dossier", args=[s.foyer_id])).content.decode()
    carte = html[html.index(f'id="signalement-{s.pk}"') :]
    historique = carte[carte.index("<ol") : carte.index("</ol>")]
    repere = f"{timezone.localtime(s.cree_le):%d/%m/%Y %H:%M} : nouveau, repéré par la détection"
    assert historique.index(repere) < historique.index("Demande déposée (")
    assert "Dossier CAF envoyé" in historique


def test_ajouter_une_prestation_au_foyer(client, ts, seul_sans_revenu):
    f, (karim,) = seul_sans_revenu
    client.force_login(ts)
    url = reverse("droits:ajouter_prestation", args=[f.pk])
    client.post(url, {"prestation": "rsa", "statut": "percue", "source": "organisme"})
    assert not PrestationFoyer.objects.exists()  # date de début manquante : refusé
    client.post(
        url,
        {
            "prestation": "rsa",
            "statut": "percue",
            "source": "organisme",
            "beneficiaire": karim.pk,
            "date_debut": "2026-01-01",
            "montant_mensuel": "573,49",
        },
    )
    p = PrestationFoyer.objects.get()
    assert (p.prestation_id, str(p.montant_mensuel)) == ("rsa", "573.49")


@pytest.mark.parametrize("role", ["travailleur_social", "accueil"])
def test_la_detection_est_reservee_aux_responsables_et_admins(client, role, referentiels):
    client.force_login(AgentFactory(role=role))
    assert client.get(reverse("droits:detection")).status_code == 403
    assert client.post(reverse("droits:detection"), {"perimetre": "tous"}).status_code == 403


def test_lancer_maintenant_et_progression(client, referentiels, django_capture_on_commit_callbacks):
    responsable = AgentFactory(role="responsable", sites=[SiteFactory(type="service_central")])
    client.force_login(responsable)
    with django_capture_on_commit_callbacks() as rappels:
        reponse = client.post(reverse("droits:detection"), {"perimetre": "site"})
    assert reponse.status_code == 422
    assert "Choisissez le site." in reponse.content.decode()
    assert not rappels
    with django_capture_on_commit_callbacks() as rappels:
        reponse = client.post(reverse("droits:detection"), {"perimetre": "modifies"})
    assert reponse.status_code == 302
    assert len(rappels) == 1  # le coordinateur n'est enfilé qu'après la validation
    e = ExecutionDetection.objects.get()
    assert (e.lance_par, e.perimetre, e.statut) == (responsable, "modifies", "en_attente")
    fragment = client.get(reverse("droits:progression", args=[e.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in fragment  # redemandé tant que l'exécution tourne
    detection.preparer(e.pk)  # aucun foyer : l'exécution se clôt
    fragment = client.get(reverse("droits:progression", args=[e.pk])).content.decode()
    assert "Terminée" in fragment
    assert "every 2s" not in fragment
    assert 'value="100"' in fragment


def test_un_responsable_de_site_lance_la_detection_sur_ses_sites_seulement(
    client, referentiels, django_capture_on_commit_callbacks
):
    sien, autre = SiteFactory(), SiteFactory()
    responsable = AgentFactory(role="responsable", sites=[sien])
    client.force_login(responsable)
    form = client.get(reverse("droits:detection")).context["form"]
    assert [c for c, _ in form.fields["perimetre"].choices] == ["site"]
    assert list(form.fields["site"].queryset) == [sien]
    assert form.fields["site"].initial == sien
    for donnees in (
        {"perimetre": "tous"},
        {"perimetre": "modifies"},
        {"perimetre": "site", "site": autre.pk},
    ):
        with django_capture_on_commit_callbacks() as rappels:
            reponse = client.post(reverse("droits:detection"), donnees)
        assert reponse.status_code == 422
        assert not rappels
    assert not ExecutionDetection.objects.exists()
    # Le service refuse de même, hors formulaire.
    for perimetre, site in (("tous", None), ("modifies", None), ("site", autre)):
        with pytest.raises(PermissionDenied, match="un de ses sites"):
            lancer_detection(agent=responsable, perimetre=perimetre, site=site)
    reponse = client.post(reverse("droits:detection"), {"perimetre": "site", "site": sien.pk})
    assert reponse.status_code == 302
    assert ExecutionDetection.objects.get().site == sien


def test_le_dossier_montre_les_signalements_et_leur_explication(client, ts, seul_sans_revenu):
    f, _ = seul_sans_revenu
    executer()
    client.force_login(ts)
    html = client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    rsa = Signalement.objects.get(prestation="rsa")
    assert f'id="signalement-{rsa.pk}"' in html
    assert "573,49\u00a0€ par mois" in html
    assert "Calcul sur octobre 2026 : 1 personne" in html
    assert "Droit probable repéré : Revenu de solidarité active (RSA)" in html  # chronologie
    # Un lien « Traiter » par signalement ouvert, vers sa page.
    assert html.count(">Traiter<") == 3
    assert reverse("droits:signalement", args=[rsa.pk]) in html


def test_simuler_maintenant_depuis_le_dossier(
    client, ts, seul_sans_revenu, django_capture_on_commit_callbacks
):
    f, _ = seul_sans_revenu
    client.force_login(ts)
    html = client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    assert "pas encore été simulé" in html
    with django_capture_on_commit_callbacks() as rappels:
        fragment = client.post(
            reverse("droits:simuler_foyer", args=[f.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
    assert len(rappels) == 1
    e = ExecutionDetection.objects.get()
    assert (e.perimetre, e.foyer, e.lance_par) == ("foyer", f, ts)
    assert e.mois_cible == detection.mois_courant()  # par défaut
    assert "demandée : en attente d'un worker" in fragment
    assert 'hx-trigger="every 2s"' in fragment
    for lot in detection.preparer(e.pk):  # ce que fait le worker
        detection.traiter_lot(lot)
    fragment = client.get(reverse("droits:simulation_foyer", args=[f.pk])).content.decode()
    assert "Revenu de solidarité active (RSA) : 573,49\u00a0€ par mois" in fragment
    assert "every 2s" not in fragment


def test_simuler_un_foyer_d_un_autre_site_est_refuse(client, seul_sans_revenu):
    f, _ = seul_sans_revenu
    client.force_login(AgentFactory(role="travailleur_social", sites=[SiteFactory(code="loin")]))
    assert client.post(reverse("droits:simuler_foyer", args=[f.pk])).status_code == 404
    client.force_login(AgentFactory(role="accueil", sites=[f.site]))
    assert client.post(reverse("droits:simuler_foyer", args=[f.pk])).status_code == 403
    assert not ExecutionDetection.objects.exists()


def test_les_changements_d_etat_entrent_dans_la_chronologie(client, ts, seul_sans_revenu):
    f, _ = seul_sans_revenu
    executer()
    s = Signalement.objects.get(prestation="rsa")
    client.force_login(ts)
    client.post(
        reverse("droits:changer_etat", args=[s.pk]),
        {"etat": "contacte", "commentaire": "Appel", "venue_d_elle_meme": "on"},
    )
    html = client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    assert "Signalement « Revenu de solidarité active (RSA) » : personne contactée" in html


def test_le_responsable_voit_les_comptes_par_etat_sans_nom(client, ts, seul_sans_revenu):
    executer()
    s = Signalement.objects.get(prestation="rsa")
    s.etat = "droit_ouvert"
    s.save()
    direction = SiteFactory(type="service_central")
    client.force_login(AgentFactory(role="responsable", sites=[direction]))
    html = client.get(reverse("droits:detection")).content.decode()
    tableau = html[html.index("Signalements par prestation et par état") :]
    assert "Foyers de : tous sites" in tableau
    ligne = tableau[tableau.index('<th scope="row">Revenu de solidarité') :].split("</tr>")[0]
    # Nouveau, À traiter, Contacté, Demande déposée, Droit ouvert, Non éligible, Refus, Total :
    # un seul foyer, au droit ouvert : sa case et le total sont sous le seuil des petits
    # effectifs ; les cases vides disent 0 (zéro ne désigne personne).
    assert [c.split(">")[-1] for c in ligne.split("</td>")[:-1]] == [
        "0",
        "0",
        "0",
        "0",
        "&lt; 5",
        "0",
        "0",
        "&lt; 5",
    ]
    assert "Karim" not in html


def test_comptes_et_executions_dans_le_perimetre_du_responsable(client, ts, seul_sans_revenu):
    from droits.selectors import signalements_par_etat

    f, _ = seul_sans_revenu
    executer()
    nombre = Signalement.objects.count()
    assert nombre >= 1
    assert signalements_par_etat((f.site_id,))["total_signalements"] == "< 5"
    ailleurs = SiteFactory()
    assert signalements_par_etat((ailleurs.pk,))["lignes_signalements"] == []
    # Un responsable d'une autre Maison des Habitants : ni ces comptes, ni la simulation d'un
    # foyer, ni l'exécution d'un autre site ; l'exécution de tous les foyers, oui.
    ExecutionDetection.objects.create(
        declencheur="simuler maintenant", perimetre="foyer", foyer=f, mois_cible=MOIS
    )
    ExecutionDetection.objects.create(
        declencheur="manuel", perimetre="site", site=f.site, mois_cible=MOIS
    )
    responsable = AgentFactory(role="responsable", sites=[ailleurs])
    client.force_login(responsable)
    reponse = client.get(reverse("droits:detection"))
    assert [e.perimetre for e in reponse.context["executions"]] == ["tous"]
    assert reponse.context["lignes_signalements"] == []
    simulation = ExecutionDetection.objects.get(perimetre="foyer")
    assert client.get(reverse("droits:progression", args=[simulation.pk])).status_code == 404


def test_execution_terminee_lisible(client, ts, seul_sans_revenu):
    e = executer()
    e.refresh_from_db()
    client.force_login(
        AgentFactory(role="responsable", sites=[SiteFactory(type="service_central")])
    )
    html = client.get(reverse("droits:progression", args=[e.pk])).content.decode()
    assert "Revenu de solidarité active (RSA) &lt; 5" in html
    assert " s." in html  # durée « 2 s », pas « 0:00:02.1 »
