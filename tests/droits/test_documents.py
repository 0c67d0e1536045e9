"""Pièces du dossier : contrôles du fichier, dépôt, téléchargement (droits, journal, en-têtes),
suppression, purge et effacement, fusion, export du droit d'accès, stockage S3."""

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from ccas_portal.models import EntreeJournal
from droits import documents
from droits.models import Document
from habitants import conservation, export_personne, partage
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def fichier(nom="avis.pdf", contenu=PDF, type_annonce="application/pdf"):
    return SimpleUploadedFile(nom, contenu, content_type=type_annonce)


def deposer(agent, foyer, personne=None, **champs):
    champs.setdefault("fichier", fichier())
    champs.setdefault("type_piece", "avis_imposition")
    champs.setdefault("date_document", date(2025, 9, 1))
    return documents.deposer_piece(agent=agent, foyer=foyer, personne=personne, **champs)


def existe(document) -> bool:
    return documents.stockage().exists(document.fichier)


@pytest.fixture
def famille(famille_de_a):
    f, parent, enfant, *_ = famille_de_a
    return f, parent, enfant


def poster(client, foyer, htmx=False, **donnees):
    donnees.setdefault("type_piece", "avis_imposition")
    donnees.setdefault("date_document", "2025-09-01")
    entetes = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "pieces"} if htmx else {}
    return client.post(reverse("droits:deposer_piece", args=[foyer.pk]), data=donnees, **entetes)


# --- Contrôles du fichier --------------------------------------------------------------


@pytest.mark.parametrize(
    ("nom", "contenu", "message"),
    [
        (
            "faux.pdf",
            b"MZ\x90\x00 ceci est un executable",
            "Le contenu de ce fichier n'est pas un PDF valide : déposez un fichier PDF, JPEG "
            "ou PNG.",
        ),
        (
            "notes.docx",
            b"PK\x03\x04 word",
            "Ce type de fichier n'est pas accepté : déposez un fichier PDF, JPEG ou PNG.",
        ),
        (
            "photo.png",
            PDF,
            "Le contenu de ce fichier est un PDF mais son nom se termine par « .png » : "
            "renommez-le en « .pdf » ou déposez le bon fichier.",
        ),
    ],
)
def test_type_refuse_avec_un_message_a_cote_du_champ(client, ts_a, famille, nom, contenu, message):
    f, *_ = famille
    client.force_login(ts_a)
    reponse = poster(client, f, htmx=True, fichier=fichier(nom, contenu))
    assert reponse.status_code == 200
    page = reponse.content.decode()
    assert message.replace("'", "&#x27;") in page
    assert 'id="error_1_piece-fichier"' in page or "invalid-feedback" in page
    assert not Document.objects.exists()


def test_fichier_trop_lourd_refuse_sans_rien_ecrire(client, ts_a, famille, settings):
    settings.DOCUMENTS_TAILLE_MAX_MO = 1
    f, *_ = famille
    client.force_login(ts_a)
    lourd = PDF + b"0" * (1024 * 1024 + 10)
    reponse = poster(client, f, fichier=fichier("gros.pdf", lourd))
    assert reponse.status_code == 422  # sans JavaScript : la page du dossier et l'erreur
    assert "Le fichier pèse 1,0 Mo : 1 Mo au plus." in reponse.content.decode()
    assert not Document.objects.exists()
    assert not EntreeJournal.objects.filter(details__has_key="document").exists()


def test_sans_fichier_ni_date_messages_francais(client, ts_a, famille):
    f, *_ = famille
    client.force_login(ts_a)
    reponse = poster(client, f, htmx=True, date_document="")
    page = reponse.content.decode()
    assert "Choisissez le fichier à déposer." in page
    assert "Indiquez la date du document (celle qu&#x27;il porte)." in page
    assert not Document.objects.exists()


def test_date_future_refusee(ts_a, famille):
    f, parent, _ = famille
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as erreur:
        deposer(ts_a, f, parent, date_document=timezone.localdate() + timedelta(days=3))
    assert "date_document" in erreur.value.error_dict
    assert not Document.objects.exists()


def test_personne_hors_du_foyer_refusee(ts_a, famille_de_a):
    f, _, _, _, voisin = famille_de_a
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="ne fait pas partie du foyer"):
        deposer(ts_a, f, voisin)
    assert not Document.objects.exists()


def test_nom_depose_rendu_sur():
    assert documents.nom_sur("../../etc/passwd") == "passwd"
    assert documents.nom_sur("C:\\Users\\a\\avis\x00\n.pdf") == "avis.pdf"
    assert documents.nom_sur("a" * 300 + ".pdf").endswith(".pdf")
    assert len(documents.nom_sur("a" * 300 + ".pdf")) == 150
    # Un nom réduit à son extension la garde : le fichier reste reconnaissable.
    assert documents.nom_sur("   .pdf") == "piece.pdf"
    assert documents.nom_sur("..pdf") == "piece.pdf"
    assert documents.nom_sur(" ... ") == "piece"


# --- Dépôt, liste, téléchargement ------------------------------------------------------


def test_depot_htmx_puis_liste_et_journal(client, ts_a, famille):
    f, parent, _ = famille
    client.force_login(ts_a)
    reponse = poster(
        client,
        f,
        htmx=True,
        fichier=fichier("Avis d'impôt 2025.PDF"),
        personne=parent.pk,
        intitule="Avis d'imposition 2025",
    )
    assert reponse.status_code == 200
    page = reponse.content.decode()
    assert "Pièce déposée." in page
    assert "1 pièce" in page
    assert 'id="chronologie"' in page  # la chronologie suit, hors bande
    assert "Pièce déposée : Avis d&#x27;imposition 2025" in page
    d = Document.objects.get()
    assert (d.foyer, d.personne, d.depose_par, d.type_mime) == (f, parent, ts_a, "application/pdf")
    assert d.nom_original == "Avis d'impôt 2025.PDF"
    assert d.taille == len(PDF)
    assert existe(d)
    assert parent.nom_usage not in d.fichier  # rien de la personne dans le stockage
    entree = EntreeJournal.objects.get(action="creation", objet_type="habitants.foyer")
    assert entree.details["fait"].startswith("Pièce déposée : Avis d'imposition 2025")
    # La chronologie du dossier relit le dépôt.
    dossier = client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    assert "Pièce déposée : Avis d&#x27;imposition 2025 du 01/09/2025" in dossier
    assert "Pièces du dossier" in dossier


def test_formulaire_renvoye_n_ecrit_qu_une_fois(client, ts_a, famille):
    f, *_ = famille
    client.force_login(ts_a)
    jeton = "7b0a6a8e-6a0e-4a55-9f2d-0c0a3f1e9b11"
    poster(client, f, htmx=True, fichier=fichier(), jeton=jeton)
    reponse = poster(client, f, htmx=True, fichier=fichier(), jeton=jeton)
    assert "déjà été enregistré" in reponse.content.decode()
    assert Document.objects.count() == 1


def test_telechargement_journalise_no_store_et_nom_sur(client, ts_a, famille):
    f, parent, _ = famille
    d = deposer(ts_a, f, parent, fichier=fichier('avis "2025";\r\nX-Test: 1.pdf'))
    client.force_login(ts_a)
    reponse = client.get(reverse("droits:telecharger_piece", args=[d.pk]))
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content) == PDF
    assert reponse["Content-Type"] == "application/pdf"
    assert "no-store" in [v.strip() for v in reponse["Cache-Control"].split(",")]
    assert reponse["X-Content-Type-Options"] == "nosniff"
    disposition = reponse["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\r" not in disposition
    assert "\n" not in disposition
    ouvertures = EntreeJournal.objects.filter(action="consultation", objet_type="droits.document")
    assert ouvertures.count() == 1
    assert ouvertures.get().agent == ts_a
    assert ouvertures.get().details["foyer"] == f.pk
    client.get(reverse("droits:telecharger_piece", args=[d.pk]))
    assert ouvertures.count() == 2  # chaque ouverture


def test_autre_site_404_et_accueil_refuse(client, ts_a, ts_b, accueil_b, famille, site_a):
    f, parent, _ = famille
    d = deposer(ts_a, f, parent)
    accueil_a = AgentFactory(role="accueil", sites=[site_a])
    url = reverse("droits:telecharger_piece", args=[d.pk])
    client.force_login(ts_b)
    assert client.get(url).status_code == 404
    assert client.get(reverse("droits:supprimer_piece", args=[d.pk])).status_code == 404
    assert poster(client, f, fichier=fichier()).status_code == 404
    client.force_login(accueil_a)
    assert client.get(url).status_code == 403
    assert poster(client, f, fichier=fichier()).status_code == 403
    assert not EntreeJournal.objects.filter(objet_type="droits.document").exists()
    assert Document.objects.count() == 1


def test_un_partage_donne_acces_aux_pieces_et_sa_fin_le_retire(
    client, ts_a, ts_b, famille, site_a, site_b
):
    """La règle d'accès est celle du dossier (habitants/acces.py) : un site partenaire lit,
    dépose ; à la fin du partage, 404."""
    from tests.partage import demander

    f, parent, _ = famille
    d = deposer(ts_a, f, parent)
    url = reverse("droits:telecharger_piece", args=[d.pk])
    client.force_login(ts_b)
    assert client.get(url).status_code == 404
    (demande,) = demander(ts_b, site_b, site_a)
    demande = partage.accepter(agent=ts_a, demande=demande)
    assert client.get(url).status_code == 200
    assert poster(client, f, fichier=fichier()).status_code == 302
    partage.terminer_partage(agent=ts_a, demande=demande)
    assert client.get(url).status_code == 404


def test_fichier_absent_du_stockage_404_sans_erreur(client, ts_a, famille):
    f, parent, _ = famille
    d = deposer(ts_a, f, parent)
    documents.stockage().delete(d.fichier)
    client.force_login(ts_a)
    assert client.get(reverse("droits:telecharger_piece", args=[d.pk])).status_code == 404


# --- Suppression -----------------------------------------------------------------------


def test_suppression_apres_confirmation(client, ts_a, famille, django_capture_on_commit_callbacks):
    f, parent, _ = famille
    d = deposer(ts_a, f, parent)
    url = reverse("droits:supprimer_piece", args=[d.pk])
    client.force_login(ts_a)
    assert "Je confirme la suppression" in client.get(url).content.decode()
    sans_case = client.post(url, {})
    assert sans_case.status_code == 422
    assert "Cochez la case pour confirmer la suppression." in sans_case.content.decode()
    assert Document.objects.filter(pk=d.pk).exists()
    assert existe(d)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(url, {"confirmer": "on"})
    assert reponse.status_code == 302
    assert reponse["Location"].endswith(f"/accompagnements/foyers/{f.pk}/#pieces")
    assert not Document.objects.filter(pk=d.pk).exists()
    assert not existe(d)
    entree = EntreeJournal.objects.get(action="modification", objet_type="habitants.foyer")
    assert entree.details["fait"].startswith("Pièce supprimée : Avis d'imposition")


# --- Conservation, effacement, fusion, export ------------------------------------------


def _vieillir(*personnes):
    """Tous les contacts de ces personnes et de leur foyer datent d'il y a 3 ans."""
    from habitants.models import Habitant, MembreFoyer

    ancien = timezone.now() - timedelta(days=3 * 365)
    Habitant.objects.filter(pk__in=[p.pk for p in personnes]).update(cree_le=ancien)
    MembreFoyer.objects.filter(habitant__in=personnes).update(
        date_debut=ancien.date() - timedelta(days=400)
    )
    Document.objects.update(depose_le=ancien)


def test_purge_efface_les_pieces_et_leurs_fichiers(
    ts_a, famille, django_capture_on_commit_callbacks
):
    f, parent, enfant = famille
    de_parent = deposer(ts_a, f, parent)
    du_foyer = deposer(ts_a, f, None, type_piece="quittance_loyer", fichier=fichier("q.png", PNG))
    _vieillir(parent, enfant)
    # À blanc : tout est annulé, aucun fichier n'est touché.
    with django_capture_on_commit_callbacks(execute=True) as rappels:
        call_command("purger_personnes", stdout=io.StringIO())
    assert rappels == []
    assert Document.objects.count() == 2
    assert existe(de_parent)
    assert existe(du_foyer)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purger_personnes", "--wet-run", stdout=io.StringIO())
    assert not Document.objects.exists()
    assert not existe(de_parent)
    assert not existe(du_foyer)  # le foyer n'a plus que des personnes anonymisées


def test_piece_recente_garde_la_personne(ts_a, famille):
    f, parent, enfant = famille
    _vieillir(parent, enfant)
    deposer(ts_a, f, parent)  # déposée aujourd'hui : un contact
    bilan = conservation.a_purger()
    assert parent.pk not in bilan.anonymisees
    assert enfant.pk not in bilan.anonymisees


def test_effacement_d_une_personne_garde_les_pieces_du_foyer(
    ts_a, famille, django_capture_on_commit_callbacks
):
    f, parent, enfant = famille
    de_parent = deposer(ts_a, f, parent)
    de_enfant = deposer(
        ts_a, f, enfant, type_piece="piece_identite", fichier=fichier("id.jpg", JPEG)
    )
    du_foyer = deposer(ts_a, f, None, type_piece="facture_energie")
    with django_capture_on_commit_callbacks(execute=True):
        conservation.anonymiser_habitant(habitant=parent, agent=None, motif="effacement")
    assert set(Document.objects.all()) == {de_enfant, du_foyer}
    assert not existe(de_parent)
    assert existe(de_enfant)
    assert existe(du_foyer)


def test_fusion_deplace_les_pieces(ts_a, famille):
    from habitants import fusion
    from tests.factories import habitant

    f, parent, _ = famille
    double = habitant(ts_a, nom_usage="Benaly", prenoms="Amina")
    from habitants.services import ajouter_membre

    autre = deposer(ts_a, f, parent)
    ajouter_membre(
        agent=ts_a, foyer=f, habitant=double, role="conjoint", date_debut=date(2021, 1, 1)
    )
    piece = deposer(ts_a, f, double)
    assert fusion.lignes_liees(double)["documents"] == 1
    from habitants.models import MembreFoyer

    MembreFoyer.objects.filter(habitant=double).update(date_fin=date(2022, 1, 1))
    fusion.fusionner_habitants(agent=ts_a, conservee=parent, absorbee=double, valeurs={})
    piece.refresh_from_db()
    assert piece.personne == parent
    assert set(Document.objects.filter(personne=parent)) == {piece, autre}


def test_export_liste_les_pieces_et_les_joint_au_zip(client, ts_a, famille):
    f, parent, _ = famille
    d = deposer(ts_a, f, parent, intitule="Avis 2025", fichier=fichier("avis-2025.pdf"))
    client.force_login(ts_a)
    client.get(reverse("droits:telecharger_piece", args=[d.pk]))
    sections = {s.cle: s for s in export_personne.donnees_de_la_personne(parent)}
    (entree,) = sections["documents"].entrees
    assert entree["type de pièce"] == "Avis d'imposition"
    assert entree["intitulé"] == "Avis 2025"
    assert entree["dans l'archive ZIP"] == f"pieces/{d.pk}-avis-2025.pdf"
    assert any(a["objet"] == "une pièce de son dossier" for a in sections["acces"].entrees)
    reponse = client.get(reverse("habitants:telecharger_donnees", args=[parent.pk, "zip"]))
    archive = zipfile.ZipFile(io.BytesIO(reponse.content))
    assert archive.read(f"pieces/{d.pk}-avis-2025.pdf") == PDF
    page = client.get(reverse("habitants:donnees", args=[parent.pk])).content.decode()
    assert "Pièces du dossier la concernant" in page


# --- Stockage ----------------------------------------------------------------------------


def test_stockage_par_defaut_sur_disque_jamais_servi_directement(client, ts_a, famille, settings):
    from pathlib import Path

    from django.core.files.storage import FileSystemStorage

    s = documents.stockage()
    assert isinstance(s, FileSystemStorage)
    assert Path(s.location) == settings.DOCUMENTS_DIR
    for publics in (settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
        assert not Path(s.location).is_relative_to(publics)
    f, parent, _ = famille
    d = deposer(ts_a, f, parent)
    client.force_login(ts_a)
    for adresse in (f"/{d.fichier}", f"/media/{d.fichier}", f"/documents/{d.fichier}"):
        assert client.get(adresse).status_code == 404


def test_configuration_s3_depuis_l_environnement(monkeypatch):
    from ccas_portal.settings import base

    monkeypatch.setenv("DOCUMENTS_S3_BUCKET", "ccas-pieces")
    monkeypatch.setenv("DOCUMENTS_S3_ENDPOINT_URL", "https://s3.example.org")
    config = base.stockage_des_documents()
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert config["OPTIONS"]["bucket_name"] == "ccas-pieces"
    assert config["OPTIONS"]["endpoint_url"] == "https://s3.example.org"
    assert config["OPTIONS"]["default_acl"] == "private"
    assert config["OPTIONS"]["file_overwrite"] is False


def test_depot_telechargement_et_purge_sur_un_faux_s3(
    client, ts_a, famille, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """moto simule S3 en mémoire : le même parcours que sur disque."""
    boto3 = pytest.importorskip("boto3")
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "essai")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "essai")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    monkeypatch.setenv("DOCUMENTS_S3_BUCKET", "ccas-pieces")
    from ccas_portal.settings import base

    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-3")
        s3.create_bucket(
            Bucket="ccas-pieces", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        stockages = {**settings.STORAGES, "documents": base.stockage_des_documents()}
        with override_settings(STORAGES=stockages):
            f, parent, _ = famille
            d = deposer(ts_a, f, parent)
            cles = [o["Key"] for o in s3.list_objects_v2(Bucket="ccas-pieces")["Contents"]]
            assert cles == [f"documents/{d.fichier}"]
            client.force_login(ts_a)
            reponse = client.get(reverse("droits:telecharger_piece", args=[d.pk]))
            assert b"".join(reponse.streaming_content) == PDF
            assert "no-store" in [v.strip() for v in reponse["Cache-Control"].split(",")]
            with django_capture_on_commit_callbacks(execute=True):
                conservation.anonymiser_habitant(habitant=parent, agent=None, motif="effacement")
            assert s3.list_objects_v2(Bucket="ccas-pieces").get("KeyCount") == 0
