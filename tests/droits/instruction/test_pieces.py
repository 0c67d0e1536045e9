"""Pièces justificatives d'une demande : jointes depuis la page de la demande (rattachement
générique, ADR 0027), listées, ouvertes (journalisé), supprimées ; mêmes contrôles que les
pièces du dossier du foyer (contenu, taille, droits), rien d'écrit si le stockage échoue."""

import uuid
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ccas_portal.models import EntreeJournal
from droits import documents
from droits.models import Document
from tests.droits.instruction.conftest import demande_facultative
from tests.factories import AgentFactory, SiteFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fichier(nom="quittance.pdf", contenu=PDF):
    return SimpleUploadedFile(nom, contenu, content_type="application/pdf")


@pytest.fixture
def demande(ts, jeune, reglement):
    return demande_facultative(ts, jeune, reglement)


def joindre(client, demande, **donnees):
    donnees.setdefault("jeton", str(uuid.uuid4()))
    donnees.setdefault("type_piece", "quittance_loyer")
    donnees.setdefault("date_document", "01/09/2025")
    donnees.setdefault("intitule", "")
    return client.post(reverse("droits:joindre_piece", args=[demande.pk]), data=donnees)


# --- Service ---------------------------------------------------------------------------


def test_deposer_sur_la_demande_rattache_et_journalise(ts, demande, jeune):
    f, h = jeune
    d = documents.deposer_piece(
        agent=ts,
        foyer=f,
        objet=demande,
        personne=h,
        fichier=fichier(),
        type_piece="quittance_loyer",
        date_document=date(2025, 9, 1),
    )
    assert list(demande.pieces.all()) == [d]
    assert list(documents.pieces_de(demande)) == [d]
    assert d.objet == demande
    assert documents.stockage().exists(d.fichier)
    entree = EntreeJournal.objects.get(action="creation", objet_type="habitants.foyer")
    assert entree.details["rattachee_a"] == f"droits.demande:{demande.pk}"
    assert entree.details["fait"].endswith(f"(pour la demande n° {demande.pk})")


def test_une_demande_d_un_autre_foyer_est_refusee(ts, demande, referentiels):
    from tests.factories import foyer

    autre = foyer(ts)
    with pytest.raises(ValidationError, match="n'appartient pas à ce foyer"):
        documents.deposer_piece(
            agent=ts,
            foyer=autre,
            objet=demande,
            fichier=fichier(),
            type_piece="quittance_loyer",
            date_document=date(2025, 9, 1),
        )
    assert not Document.objects.exists()


def test_stockage_en_panne_un_message_et_rien_d_ecrit(ts, demande, jeune, monkeypatch):
    f, _ = jeune

    class StockageEnPanne:
        efface = []

        def save(self, nom, contenu):
            raise OSError("disque plein")

        def delete(self, nom):
            self.efface.append(nom)

    panne = StockageEnPanne()
    monkeypatch.setattr(documents, "stockage", lambda: panne)
    with pytest.raises(ValidationError) as erreur:
        documents.deposer_piece(
            agent=ts,
            foyer=f,
            objet=demande,
            fichier=fichier(),
            type_piece="quittance_loyer",
            date_document=date(2025, 9, 1),
        )
    assert "stockage des pièces indisponible" in erreur.value.message_dict["fichier"][0]
    assert len(panne.efface) == 1  # un éventuel fichier à moitié écrit est effacé
    assert not Document.objects.exists()
    assert not EntreeJournal.objects.filter(objet_type="habitants.foyer").exists()


# --- Écrans ----------------------------------------------------------------------------


def test_joindre_lister_ouvrir_supprimer_depuis_la_demande(client_de, ts, demande):
    client = client_de(ts)
    url_demande = reverse("droits:demande", args=[demande.pk])
    page = client.get(url_demande).content.decode()
    assert "à venir" not in page
    assert "Aucune pièce jointe à la demande" in page
    assert "Joindre une pièce" in page

    reponse = joindre(client, demande, fichier=fichier("Quittance août.pdf"))
    assert reponse.status_code == 302
    assert reponse.url == url_demande + "#documents"
    d = Document.objects.get()
    assert (d.objet, d.foyer_id, d.depose_par) == (demande, demande.foyer_id, ts)

    page = client.get(url_demande).content.decode()
    assert "Pièce jointe à la demande." in page
    assert "1 pièce jointe à la demande" in page
    assert "Aucune pièce jointe à la demande" not in page
    assert "Quittance de loyer" in page
    assert reverse("droits:telecharger_piece", args=[d.pk]) in page
    # Elle figure aussi parmi les pièces du dossier du foyer.
    dossier = client.get(reverse("accompagnement:dossier", args=[demande.foyer_id]))
    assert reverse("droits:telecharger_piece", args=[d.pk]) in dossier.content.decode()

    telechargement = client.get(reverse("droits:telecharger_piece", args=[d.pk]))
    assert b"".join(telechargement.streaming_content) == PDF
    ouverture = EntreeJournal.objects.get(action="consultation", objet_type="droits.document")
    assert ouverture.details["rattachee_a"] == f"droits.demande:{demande.pk}"

    url_suppression = reverse("droits:supprimer_piece", args=[d.pk])
    confirmation = client.get(url_suppression).content.decode()
    assert f"la demande n° {demande.pk}" in confirmation
    assert "Revenir à la demande sans rien supprimer" in confirmation
    reponse = client.post(url_suppression, {"jeton": str(uuid.uuid4()), "confirmer": "on"})
    assert reponse.status_code == 302
    assert reponse.url == url_demande + "#documents"
    assert not Document.objects.exists()
    assert not demande.pieces.exists()


def test_fichier_refuse_message_pres_du_champ_sans_ecriture(client_de, ts, demande):
    reponse = joindre(client_de(ts), demande, fichier=fichier("faux.pdf", b"pas un PDF"))
    assert reponse.status_code == 422
    page = reponse.content.decode()
    assert "Le contenu de ce fichier n&#x27;est pas un PDF valide" in page
    assert 'id="piece-fichier"' in page
    assert "<details open>" in page  # le formulaire reste ouvert sur son erreur
    assert not Document.objects.exists()


def test_fichier_trop_lourd_et_champs_manquants(client_de, ts, demande, settings):
    settings.DOCUMENTS_TAILLE_MAX_MO = 1
    client = client_de(ts)
    lourd = joindre(client, demande, fichier=fichier(contenu=PDF + b"0" * 1024 * 1024))
    assert lourd.status_code == 422
    assert "Mo au plus" in lourd.content.decode()
    vide = joindre(client, demande, type_piece="", date_document="")
    page = vide.content.decode()
    assert vide.status_code == 422
    assert "Choisissez le fichier à déposer." in page
    assert "Choisissez le type de pièce." in page
    assert not Document.objects.exists()


def test_stockage_en_panne_pas_de_500(client_de, ts, demande, monkeypatch):
    class StockageEnPanne:
        def save(self, nom, contenu):
            raise OSError("disque plein")

        def delete(self, nom):
            pass

    monkeypatch.setattr(documents, "stockage", lambda: StockageEnPanne())
    reponse = joindre(client_de(ts), demande, fichier=fichier())
    assert reponse.status_code == 422
    assert "rien n&#x27;a été déposé" in reponse.content.decode()
    assert not Document.objects.exists()


def test_formulaire_renvoye_une_seule_piece(client_de, ts, demande):
    client = client_de(ts)
    jeton = str(uuid.uuid4())
    joindre(client, demande, fichier=fichier(), jeton=jeton)
    joindre(client, demande, fichier=fichier(), jeton=jeton)
    assert Document.objects.count() == 1


def test_autre_site_404_et_autres_roles_refuses(client_de, ts, demande, directeur):
    d = documents.deposer_piece(
        agent=ts,
        foyer=demande.foyer,
        objet=demande,
        fichier=fichier(),
        type_piece="quittance_loyer",
        date_document=date(2025, 9, 1),
    )
    autre = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="mdh-autre")])
    client = client_de(autre)
    assert joindre(client, demande, fichier=fichier()).status_code == 404
    assert client.get(reverse("droits:telecharger_piece", args=[d.pk])).status_code == 404
    assert client.get(reverse("droits:supprimer_piece", args=[d.pk])).status_code == 404
    client = client_de(directeur)
    assert joindre(client, demande, fichier=fichier()).status_code == 403
    assert client.get(reverse("droits:telecharger_piece", args=[d.pk])).status_code == 403
    assert Document.objects.count() == 1
    assert not EntreeJournal.objects.filter(objet_type="droits.document").exists()
