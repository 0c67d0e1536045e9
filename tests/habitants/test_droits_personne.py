"""Droit d'accès (export PDF et ZIP) et effacement par l'administrateur."""

import io
import json
import shutil
import subprocess
import zipfile

import pytest
from django.urls import reverse

from ccas_portal.models import EntreeJournal
from habitants import fusion
from habitants.models import Habitant, Passage
from tests.factories import AgentFactory, SiteFactory, habitant
from tests.habitants.test_conservation import dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def ts(referentiels):
    return AgentFactory(
        role="travailleur_social", sites=[SiteFactory(code="mdh-rgpd")], prenom="Inès", nom="Roux"
    )


@pytest.fixture
def admin(referentiels):
    return AgentFactory(role="admin", sites=[SiteFactory(code="direction")])


def texte_du_pdf(contenu: bytes) -> str:
    """Le texte du PDF tel que pdftotext (poppler-utils) le lit."""
    assert shutil.which("pdftotext"), "pdftotext manque : paquet Debian poppler-utils"
    sortie = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=contenu, capture_output=True, check=True
    )
    return sortie.stdout.decode()


def test_le_travailleur_social_telecharge_un_pdf_lisible(client, ts):
    h, f = dossier(ts)
    client.force_login(ts)
    client.get(reverse("accompagnement:dossier", args=[f.pk]))  # consultation journalisée
    page = client.get(reverse("habitants:donnees", args=[h.pk]))
    assert page.status_code == 200
    assert "Télécharger le PDF" in page.content.decode()
    reponse = client.get(reverse("habitants:telecharger_donnees", args=[h.pk, "pdf"]))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert f'filename="donnees-personne-{h.pk}.pdf"' in reponse["Content-Disposition"]
    texte = " ".join(texte_du_pdf(reponse.content).split())
    for attendu in (
        "Vos données personnelles tenues par le CCAS",
        "Odile Lefèvre",
        "Identité et coordonnées",
        "odile@example.org",
        "Information sur le traitement et contact au sujet de droits repérés",
        "contact au sujet de droits repérés : Accepté",
        "Foyers et appartenances dans le temps",
        "8 rue des Alliés",
        "Ressources",
        "900,00 €",
        "Santé et handicap",
        "Passages à l'accueil",
        "Vient pour sa retraite",
        "Accompagnements, interventions et orientations",
        "Isolée, triste",
        "Aide à domicile",
        "Participations aux actions collectives",
        "Atelier mémoire",
        "Prestations demandées ou perçues",
        "Signalements de droits probables (non-recours)",
        "Accès à son dossier",
        "agent : Inès Roux action : Consultation objet : le dossier de son foyer",
    ):
        assert attendu in texte, attendu
    export = EntreeJournal.objects.get(action="export", objet_id=str(h.pk))
    assert (export.agent, export.details) == (ts, {"droit_d_acces": "pdf"})


def test_l_archive_contient_une_section_json_par_nature_et_le_pdf(client, ts):
    h, _ = dossier(ts)
    client.force_login(ts)
    reponse = client.get(reverse("habitants:telecharger_donnees", args=[h.pk, "zip"]))
    assert reponse["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(reponse.content))
    noms = archive.namelist()
    sommaire = json.loads(archive.read("sommaire.json"))
    # identité, consentement, chaque lien de l'inventaire, signalements, accès
    assert len(sommaire["sections"]) == 2 + len(fusion.LIENS) + 2
    assert {s["fichier"] for s in sommaire["sections"]} | {
        "sommaire.json",
        f"donnees-personne-{h.pk}.pdf",
    } == set(noms)
    par_cle = {
        s["fichier"].split("-", 1)[1].removesuffix(".json"): json.loads(archive.read(s["fichier"]))
        for s in sommaire["sections"]
    }
    assert par_cle["identite"]["entrees"][0]["nom d'usage"] == "Lefèvre"
    assert par_cle["identite"]["entrees"][0]["date de naissance"] == "1961-08-14"
    passages = par_cle["passages"]["entrees"]
    assert len(passages) == Passage.objects.filter(habitant=h).count() == 1
    assert passages[0]["note"] == "Vient pour sa retraite"
    assert par_cle["ressources"]["entrees"][0]["montant mensuel"] == "900.00"
    assert par_cle["sante"]["entrees"][0]["taux d'incapacité (%)"] == 50
    assert par_cle["consentement"]["entrees"][0]["historique des réponses"][0].endswith(
        "non demandé → accepté"
    )
    assert len(par_cle["signalements"]["entrees"]) == 1
    assert archive.read(f"donnees-personne-{h.pk}.pdf").startswith(b"%PDF")
    assert EntreeJournal.objects.filter(
        action="export", objet_id=str(h.pk), details__droit_d_acces="zip"
    ).exists()


def test_export_refuse_hors_des_sites_et_aux_autres_roles(client, ts, referentiels):
    h, _ = dossier(ts)
    ailleurs = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-loin")])
    client.force_login(ailleurs)
    for url in (
        reverse("habitants:donnees", args=[h.pk]),
        reverse("habitants:telecharger_donnees", args=[h.pk, "pdf"]),
        reverse("habitants:telecharger_donnees", args=[h.pk, "zip"]),
    ):
        assert client.get(url).status_code == 404
    accueil = AgentFactory(role="accueil", sites=list(ts.sites.all()))
    client.force_login(accueil)
    assert client.get(reverse("habitants:donnees", args=[h.pk])).status_code == 403
    client.force_login(ts)
    assert client.get(f"/accueil/habitants/{h.pk}/donnees.exe").status_code == 404
    assert not EntreeJournal.objects.filter(action="export").exists()


def test_l_admin_exporte_et_efface_apres_confirmation(client, ts, admin):
    h, _ = dossier(ts)
    client.force_login(admin)
    liste = client.get(reverse("personnes_admin"), {"q": "lefevre"}).content.decode()
    assert "1 personne trouvée" in liste
    assert reverse("effacer_personne", args=[h.pk]) in liste
    recherche = EntreeJournal.objects.get(agent=admin, action="consultation")
    assert recherche.details == {"recherche_droits_des_personnes": "lefevre", "fiches": [h.pk]}
    assert (
        client.get(reverse("habitants:telecharger_donnees", args=[h.pk, "pdf"])).status_code == 200
    )
    url = reverse("effacer_personne", args=[h.pk])
    page = client.get(url).content.decode()
    assert "Ce qui reste, pour les statistiques seulement" in page
    assert "année de naissance (l&#x27;âge en tranche)" in page
    # Sans confirmation : message à côté du champ, rien d'écrit.
    reponse = client.post(url, {"motif": "effacement"})
    assert reponse.status_code == 422
    assert "Cochez la confirmation pour anonymiser la fiche." in reponse.content.decode()
    reponse = client.post(url, {"confirmation": "on", "motif": "n'importe"})
    assert reponse.status_code == 422
    h.refresh_from_db()
    assert h.anonymise_le is None
    reponse = client.post(url, {"motif": "opposition", "confirmation": "on"}, follow=True)
    assert f"La fiche n° {h.pk} est anonymisée." in reponse.content.decode()
    h.refresh_from_db()
    assert (h.nom_usage, h.telephone) == ("ANONYME", "")
    entree = EntreeJournal.objects.get(action="purge", objet_id=str(h.pk))
    assert entree.agent == admin
    assert entree.details["motif"] == "Opposition de la personne au traitement (RGPD, article 21)"
    # Anonymisée : plus d'export ni d'effacement.
    assert client.get(url).status_code == 404
    assert client.get(reverse("habitants:donnees", args=[h.pk])).status_code == 404


def test_seul_l_admin_efface(client, ts):
    h = habitant(ts)
    client.force_login(ts)
    url = reverse("effacer_personne", args=[h.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"motif": "effacement", "confirmation": "on"}).status_code == 403
    assert Habitant.objects.get(pk=h.pk).anonymise_le is None
