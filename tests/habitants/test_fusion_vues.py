"""Les écrans de la fusion : choisir la seconde fiche, comparer, confirmer ; refus en 403/404,
mauvaises entrées renvoyées avec leur message sous le champ, jamais de 500."""

from datetime import date

import pytest
from django.urls import reverse

from ccas_portal.enums import Role
from ccas_portal.models import EntreeJournal
from habitants import services
from habitants.models import Habitant, MembreFoyer, Passage
from tests.factories import AgentFactory, SiteFactory, foyer, habitant, passage


@pytest.fixture
def ts(travailleur, motifs):
    return travailleur


@pytest.fixture
def deux(ts, site):
    """Sophie Martin inscrite deux fois : la première (plus ancienne) sans téléphone, la
    seconde sans date de naissance, avec un foyer et un passage."""
    a = habitant(ts, date_naissance=date(1980, 5, 1), sexe="F")
    b = habitant(ts, nom_usage="Martín", telephone="06 12 34 56 78", sexe="F")
    f = foyer(ts)
    services.ajouter_membre(
        agent=ts, foyer=f, habitant=b, role="demandeur", date_debut=date(2020, 1, 1)
    )
    passage(ts, b)
    return a, b, f


def _url(a, b):
    return reverse("habitants:fusion", args=[a.pk, b.pk])


def test_la_fiche_signale_le_doublon_et_mene_a_la_fusion(client_de, ts, deux):
    a, b, _ = deux
    page = client_de(ts).get(reverse("habitants:fiche", args=[a.pk])).content.decode()
    assert "Cette personne a peut-être une autre fiche" in page
    assert _url(a, b) in page
    assert reverse("habitants:fusion_choisir", args=[a.pk]) in page


def test_l_accueil_ne_voit_pas_la_fusion(client_de, site, deux):
    a, b, _ = deux
    accueil = AgentFactory(role=Role.ACCUEIL, sites=[site])
    client = client_de(accueil)
    page = client.get(reverse("habitants:fiche", args=[a.pk])).content.decode()
    assert "Fusionner" not in page
    assert "/fusion/" not in page
    assert client.get(reverse("habitants:fusion_choisir", args=[a.pk])).status_code == 403
    assert client.get(_url(a, b)).status_code == 403
    assert client.post(_url(a, b), {"conservee": a.pk, "confirmation": "on"}).status_code == 403
    assert Habitant.objects.filter(pk=b.pk).exists()


@pytest.mark.parametrize("role", [Role.RESPONSABLE, Role.ADMIN])
def test_responsable_et_admin_refuses(client_de, site, deux, role):
    a, b, _ = deux
    client = client_de(AgentFactory(role=role, sites=[site]))
    assert client.get(_url(a, b)).status_code == 403
    assert client.post(_url(a, b), {"conservee": a.pk, "confirmation": "on"}).status_code == 403


def test_choisir_la_seconde_fiche(client_de, ts, deux):
    a, b, _ = deux
    client = client_de(ts)
    url = reverse("habitants:fusion_choisir", args=[a.pk])
    page = client.get(url).content.decode()
    assert "Fiches qui lui ressemblent" in page
    assert _url(a, b) in page
    page = client.get(url, {"personne": "martin sophie"}).content.decode()
    assert "1 fiche trouvée" in page  # elle-même n'est pas proposée
    page = client.get(url, {"personne": "x" * 300}).content.decode()
    assert "100 caractères" in page


def test_comparer_cote_a_cote(client_de, ts, deux):
    a, b, _ = deux
    reponse = client_de(ts).get(_url(a, b))
    assert reponse.status_code == 200
    page = reponse.content.decode()
    form = reponse.context["form"]
    # Seules les valeurs qui diffèrent se choisissent ; la plus ancienne fiche est proposée,
    # complétée par l'autre là où elle est vide.
    assert {c.name for c in form.choix} == {"nom_usage", "date_naissance", "telephone"}
    assert form.initial["conservee"] == a.pk
    assert form.initial["nom_usage"] == a.pk
    assert form.initial["telephone"] == b.pk
    assert form.initial["date_naissance"] == a.pk
    assert "Martín" in page
    assert "06 12 34 56 78" in page
    lignes = {ligne["lien"].nature: (ligne["a"], ligne["b"]) for ligne in reponse.context["lignes"]}
    assert lignes["passages"] == (0, 1)
    assert lignes["appartenances"] == (0, 1)
    assert EntreeJournal.objects.filter(
        action="consultation", objet_id=str(b.pk), details__fusion="comparaison"
    ).exists()


def test_sans_confirmation_rien_n_est_fusionne(client_de, ts, deux):
    a, b, _ = deux
    reponse = client_de(ts).post(
        _url(a, b),
        {"conservee": a.pk, "nom_usage": b.pk, "date_naissance": a.pk, "telephone": b.pk},
    )
    assert reponse.status_code == 422
    page = reponse.content.decode()
    assert "Cochez cette case pour confirmer : la fusion est définitive." in page
    assert 'id="erreur-confirmation"' in page
    assert Habitant.objects.filter(pk=b.pk).exists()
    # Les choix faits restent cochés.
    assert reponse.context["form"]["nom_usage"].value() == str(b.pk)


@pytest.mark.parametrize("valeur", ["", "abc", "99999999999999999999", "-1"])
def test_un_choix_illisible_a_son_message(client_de, ts, deux, valeur):
    a, b, _ = deux
    reponse = client_de(ts).post(
        _url(a, b), {"conservee": a.pk, "nom_usage": valeur, "confirmation": "on"}
    )
    assert reponse.status_code == 422
    assert "Choisissez la valeur de l&#x27;une des deux fiches." in reponse.content.decode()
    assert Habitant.objects.filter(pk=b.pk).exists()


def test_fusionner(client_de, ts, deux):
    a, b, f = deux
    client = client_de(ts)
    jeton = client.get(_url(a, b)).context["form"].initial["jeton"]
    donnees = {
        "jeton": jeton,
        "conservee": a.pk,
        "nom_usage": a.pk,
        "date_naissance": a.pk,
        "telephone": b.pk,
        "confirmation": "on",
    }
    reponse = client.post(_url(a, b), donnees, follow=True)
    assert reponse.redirect_chain[-1][0] == reverse("habitants:fiche", args=[a.pk])
    page = reponse.content.decode()
    assert f"la fiche n° {b.pk} est supprimée" in page
    assert "1 passage à l&#x27;accueil, 1 appartenance à un foyer" in page
    assert not Habitant.objects.filter(pk=b.pk).exists()
    a.refresh_from_db()
    assert (a.nom_usage, a.telephone) == ("Martin", "06 12 34 56 78")
    assert Passage.objects.get().habitant == a
    assert MembreFoyer.objects.get(foyer=f).habitant == a
    # La chronologie du dossier du foyer dit la fusion.
    dossier = client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    assert f"Fusion de deux fiches de {a} (fiche n° {a.pk} conservée)" in dossier
    # Formulaire renvoyé (double clic) : rien de plus, la fiche conservée.
    reponse = client.post(_url(a, b), donnees, follow=True)
    assert reponse.redirect_chain[-1][0] == reverse("habitants:fiche", args=[a.pk])
    assert "déjà été fusionnées" in reponse.content.decode()


def test_conserver_la_fiche_la_plus_recente(client_de, ts, deux):
    a, b, _ = deux
    client_de(ts).post(
        _url(a, b),
        {
            "conservee": b.pk,
            "nom_usage": a.pk,
            "date_naissance": a.pk,
            "telephone": b.pk,
            "confirmation": "on",
        },
    )
    assert not Habitant.objects.filter(pk=a.pk).exists()
    b.refresh_from_db()
    assert (b.nom_usage, b.date_naissance) == ("Martin", date(1980, 5, 1))


def test_conflit_de_foyers_dit_quoi_faire(client_de, ts, deux):
    a, b, _ = deux
    autre = foyer(ts, adresse="8 avenue Jean-Perrot")
    services.ajouter_membre(
        agent=ts, foyer=autre, habitant=a, role="demandeur", date_debut=date(2021, 1, 1)
    )
    client = client_de(ts)
    assert "Fusion impossible pour le moment" in client.get(_url(a, b)).content.decode()
    reponse = client.post(
        _url(a, b),
        {
            "conservee": a.pk,
            "nom_usage": a.pk,
            "date_naissance": a.pk,
            "telephone": a.pk,
            "confirmation": "on",
        },
    )
    assert reponse.status_code == 422
    assert "Départ du foyer" in reponse.content.decode()
    assert Habitant.objects.filter(pk=b.pk).exists()


def test_fiche_d_un_autre_site_ou_identique_404(client_de, ts, deux):
    a, _, _ = deux
    ailleurs = SiteFactory(code="mdh-ailleurs-vues")
    etrangere = habitant(AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[ailleurs]))
    client = client_de(ts)
    assert client.get(_url(a, etrangere)).status_code == 404
    assert client.get(_url(etrangere, a)).status_code == 404
    assert (
        client.post(_url(a, etrangere), {"conservee": a.pk, "confirmation": "on"}).status_code
        == 404
    )
    assert client.get(reverse("habitants:fusion_choisir", args=[etrangere.pk])).status_code == 404
    assert client.get(_url(a, a)).status_code == 404
    assert Habitant.objects.filter(pk=etrangere.pk).exists()
