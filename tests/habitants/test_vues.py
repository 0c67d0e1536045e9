import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ccas_portal.models import EntreeJournal
from habitants import services
from habitants.models import Habitant, Passage
from tests.factories import foyer, habitant
from tests.texte import texte_visible

pytestmark = pytest.mark.django_db

GUICHET = reverse("habitants:guichet")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def accueil(client, agent_accueil, motifs):
    client.force_login(agent_accueil)
    return client


def poster_passage(client, site, liste_motifs, **donnees):
    donnees = {
        "site": site.code,
        "mode": "physique",
        "motifs": [liste_motifs[0].pk],
        "reponse": "information",
        "note": "",
        **donnees,
    }
    return client.post(reverse("habitants:enregistrer_passage"), donnees, **donnees.pop("_h", {}))


def test_page_d_accueil_du_public(accueil, site):
    html = accueil.get(GUICHET).content.decode()
    assert site.nom in html
    assert "autofocus" in html
    assert "Aucun passage enregistré aujourd'hui" in html
    assert 'name="motifs"' in html
    assert '<legend class="small fw-semibold mb-1">Logement et hébergement</legend>' in html


def test_recherche_htmx_renvoie_un_fragment(accueil, agent_accueil, site):
    habitant(agent_accueil, nom_usage="Lefèvre", prenoms="Hélène")
    reponse = accueil.get(
        GUICHET, {"site": site.code, "q": "lefevre"}, headers={**HTMX, "HX-Target": "resultats"}
    )
    html = reponse.content.decode()
    assert "<html" not in html
    assert "1 personne trouvée" in html
    assert "LEFÈVRE" in html


def test_recherche_sans_javascript_page_complete(accueil, agent_accueil, site):
    habitant(agent_accueil, nom_usage="Lefèvre", prenoms="Hélène")
    html = accueil.get(GUICHET, {"site": site.code, "q": "lefevre"}).content.decode()
    assert "<html" in html
    assert "1 personne trouvée" in html


def test_choisir_une_personne_prepare_le_formulaire(accueil, agent_accueil, site):
    h = habitant(agent_accueil, nom_usage="Lefèvre", prenoms="Hélène")
    reponse = accueil.get(
        GUICHET,
        {"site": site.code, "habitant": h.pk},
        headers={**HTMX, "HX-Target": "formulaire-passage"},
    )
    html = reponse.content.decode()
    assert html.lstrip().startswith('<section id="formulaire-passage"')
    assert f'value="{h.pk}"' in html
    assert "LEFÈVRE Hélène" in html


def test_enregistrer_un_passage_htmx(accueil, agent_accueil, site, motifs):
    h = habitant(agent_accueil)
    reponse = poster_passage(accueil, site, motifs, habitant=h.pk, _h={"headers": HTMX})
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert 'id="passages-du-jour" hx-swap-oob="true"' in html
    assert "Passage enregistré" in html
    assert str(h) in html
    passage = Passage.objects.get()
    assert f"{timezone.localtime(passage.date_heure):%H:%M})" in html  # heure de Paris
    assert passage.habitant == h
    assert passage.agent == agent_accueil


def test_enregistrer_un_passage_sans_javascript(accueil, site, motifs):
    reponse = poster_passage(accueil, site, motifs)
    assert reponse.status_code == 302
    assert Passage.objects.get().anonyme
    html = accueil.get(reponse["Location"]).content.decode()
    assert "Passage enregistré (anonyme" in html
    assert "Anonyme" in html


def test_passage_sans_motif_message_en_francais(accueil, site, motifs):
    reponse = poster_passage(accueil, site, motifs, motifs=[], _h={"headers": HTMX})
    assert reponse.status_code == 200  # htmx n'échangerait pas une réponse 422
    assert "Choisissez au moins un motif." in reponse.content.decode()
    assert not Passage.objects.exists()


def test_passage_pour_une_personne_d_un_autre_site(accueil, agent_autre_site, site, motifs):
    ailleurs = habitant(agent_autre_site)
    reponse = poster_passage(accueil, site, motifs, habitant=ailleurs.pk)
    assert reponse.status_code == 422
    assert not Passage.objects.exists()


def test_inscription_puis_doublon_puis_confirmation(accueil, agent_accueil, site):
    url = reverse("habitants:inscrire") + f"?site={site.code}"
    donnees = {"nom_usage": "Lefevre", "prenoms": "Helene", "date_naissance": "1975-03-02"}
    reponse = accueil.post(url, donnees)
    assert reponse.status_code == 302
    h = Habitant.objects.get()
    assert reponse["Location"].endswith(f"habitant={h.pk}")
    reponse = accueil.post(url, {**donnees, "nom_usage": "LEFÈVRE"})
    html = reponse.content.decode()
    assert "Cette personne est peut-être déjà connue" in html
    assert 'name="confirmer_nouveau"' in html
    assert Habitant.objects.count() == 1
    reponse = accueil.post(url, {**donnees, "confirmer_nouveau": "on"})
    assert reponse.status_code == 302
    assert Habitant.objects.count() == 2


def test_inscription_invalide_messages_par_champ(accueil, site):
    demain = (date.today() + timedelta(days=1)).isoformat()
    reponse = accueil.post(
        reverse("habitants:inscrire") + f"?site={site.code}",
        {"nom_usage": "Martin", "prenoms": "Léa", "date_naissance": demain, "telephone": "123"},
    )
    assert reponse.status_code == 422
    html = reponse.content.decode()
    assert "Cette date est dans le futur." in html
    assert "Numéro de téléphone attendu" in html
    assert not Habitant.objects.exists()


def test_fiche_montre_foyer_et_passages_sans_donnees_sensibles(
    client, agent_accueil, travailleur, site, motifs
):
    h = habitant(agent_accueil, nom_usage="Lefèvre", prenoms="Hélène")
    enfant = habitant(agent_accueil, nom_usage="Lefèvre", prenoms="Zoé")
    f = foyer(agent_accueil, adresse="40 galerie de l'Arlequin", code_postal="38100")
    services.ajouter_membre(
        agent=agent_accueil, foyer=f, habitant=h, role="demandeur", date_debut=date(2020, 1, 1)
    )
    services.ajouter_membre(
        agent=agent_accueil, foyer=f, habitant=enfant, role="enfant", date_debut=date(2020, 1, 1)
    )
    services.enregistrer_ressource(
        agent=travailleur,
        habitant=h,
        type="salaire_net",
        montant_mensuel=Decimal("1987.65"),
        date_debut=date(2024, 1, 1),
    )
    services.enregistrer_situation_sante(
        agent=travailleur, habitant=h, taux_incapacite=79, reconnaissance_mdph=True
    )
    services.enregistrer_passage(
        agent=agent_accueil,
        site=site,
        habitant=h,
        mode="physique",
        motifs=motifs[:1],
        reponse="information",
    )
    client.force_login(agent_accueil)
    html = client.get(reverse("habitants:fiche", args=[h.pk])).content.decode()
    assert "40 galerie de l&#x27;Arlequin" in html
    assert "Zoé" in html
    assert "Enfant" in html
    assert motifs[0].libelle in html
    # Le texte lu du contenu seul : ni les attributs (jetons CSRF et d'idempotence, adresses
    # avec des identifiants, qui peuvent contenir « 79 » par hasard sous PostgreSQL).
    contenu = texte_visible(html[html.index("<main") : html.index("</main>")])
    for sensible in ("1987", "1 987", "Salaire", "MDPH", "incapacité"):
        assert sensible not in contenu, sensible
    assert not re.search(r"\b79\b", contenu)


def test_fiche_d_un_autre_site_est_introuvable(client, agent_accueil, agent_autre_site):
    ailleurs = habitant(agent_autre_site)
    client.force_login(agent_accueil)
    assert client.get(reverse("habitants:fiche", args=[ailleurs.pk])).status_code == 404
    assert client.get(GUICHET, {"habitant": ailleurs.pk}).status_code == 404


def test_le_responsable_n_atteint_pas_l_accueil(client, site):
    from tests.factories import AgentFactory

    client.force_login(AgentFactory(role="responsable", sites=[site]))
    assert client.get(GUICHET).status_code == 403


def _remplir(agent, site, motifs, n):
    for i in range(n):
        h = habitant(agent, nom_usage="Martin", prenoms=f"Léa{i}")
        f = foyer(agent, adresse=f"{i} rue Mallifaud")
        services.ajouter_membre(
            agent=agent, foyer=f, habitant=h, role="demandeur", date_debut=date(2020, 1, 1)
        )
        services.enregistrer_passage(
            agent=agent,
            site=site,
            habitant=h,
            mode="physique",
            motifs=motifs[:2],
            reponse="information",
            date_heure=timezone.now(),
        )


@pytest.mark.parametrize("n", [1, 8])
def test_nombre_de_requetes_constant(accueil, agent_accueil, site, motifs, n, snapshot_requetes):
    _remplir(agent_accueil, site, motifs, n)
    # session, agent, sites de l'agent, motifs (x2 : cases + groupes), partenaires, passages
    # du jour (+ motifs), nom répandu ?, résultats avec leur total (+ foyers), ids de sites, menu
    with snapshot_requetes():
        reponse = accueil.get(GUICHET, {"site": site.code, "q": "martin"})
    assert reponse.content.decode().count("data-resultat><strong>") == min(n, 10)


def test_information_rgpd_depuis_la_fiche(client, agent_accueil, agent_autre_site):
    h = habitant(agent_accueil)
    assert (h.consentement, h.date_consentement) == ("non_demande", None)
    client.force_login(agent_accueil)
    url = reverse("habitants:informer", args=[h.pk])
    reponse = client.post(url, {"consentement": "accepte"}, follow=True)
    h.refresh_from_db()
    assert h.date_information == timezone.localdate()
    assert h.informe_par == agent_accueil
    assert (h.consentement, h.date_consentement) == ("accepte", timezone.localdate())
    html = reponse.content.decode()
    assert "Information sur le traitement et réponse au contact enregistrées." in html
    assert f"le {timezone.localdate():%d/%m/%Y} par {agent_accueil}" in html
    assert f"accepté le {timezone.localdate():%d/%m/%Y}" in html
    # Aucun choix : ce n'est pas une réponse ; message à côté du champ, rien d'écrit.
    reponse = client.post(url, {})
    assert reponse.status_code == 422
    assert "Indiquez si la personne accepte ou refuse d&#x27;être contactée." in (
        reponse.content.decode()
    )
    h.refresh_from_db()
    assert h.consentement == "accepte"
    # Une valeur inconnue non plus (et jamais « non demandé » par ce formulaire).
    for valeur in ("non_demande", "peut-être"):
        assert client.post(url, {"consentement": valeur}).status_code == 422
    client.post(url, {"consentement": "refuse"})
    h.refresh_from_db()
    assert h.consentement == "refuse"
    assert EntreeJournal.objects.filter(
        objet_type="habitants.habitant", objet_id=str(h.pk), details__consentement__apres="refuse"
    ).exists()
    ailleurs = habitant(agent_autre_site)
    reponse = client.post(
        reverse("habitants:informer", args=[ailleurs.pk]), {"consentement": "accepte"}
    )
    assert reponse.status_code == 404


def test_information_rgpd_par_htmx_renvoie_la_section(client, agent_accueil):
    h = habitant(agent_accueil)
    client.force_login(agent_accueil)
    url = reverse("habitants:informer", args=[h.pk])
    entetes = {"HX-Request": "true", "HX-Target": "fiche-identite"}
    reponse = client.post(url, {}, headers=entetes)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert 'id="fiche-identite"' in html
    assert "Indiquez si la personne accepte ou refuse" in html
    reponse = client.post(url, {"consentement": "refuse"}, headers=entetes)
    assert f"refusé le {timezone.localdate():%d/%m/%Y}" in reponse.content.decode()


def test_passage_a_une_heure_donnee_et_heure_future_refusee(accueil, site, motifs):
    from datetime import datetime, time

    reponse = poster_passage(accueil, site, motifs, heure="00:00")
    assert reponse.status_code == 302
    passage = Passage.objects.get()
    assert timezone.localtime(passage.date_heure) == timezone.make_aware(
        datetime.combine(timezone.localdate(), time(0, 0))
    )
    dans_deux_heures = timezone.localtime() + timedelta(hours=2)
    if dans_deux_heures.date() == timezone.localdate():  # pas de lendemain possible
        reponse = poster_passage(
            accueil, site, motifs, heure=f"{dans_deux_heures:%H:%M}", _h={"headers": HTMX}
        )
        assert "Un passage ne peut pas être dans le futur." in reponse.content.decode()
        assert Passage.objects.count() == 1
    reponse = poster_passage(accueil, site, motifs, heure="25:99", _h={"headers": HTMX})
    assert "Saisissez une heure valide." in reponse.content.decode()


def test_orientation_vers_un_partenaire_htmx(accueil, agent_accueil, site, motifs):
    from ccas_portal.models import Partenaire

    adil = Partenaire.objects.get(code="adil")
    html = accueil.get(GUICHET).content.decode()
    assert "Partenaire (si orientation vers un partenaire)" in html
    assert f'<option value="{adil.pk}"' in html
    h = habitant(agent_accueil)
    reponse = poster_passage(
        accueil,
        site,
        motifs,
        habitant=h.pk,
        reponse="orientation_partenaire",
        partenaire=adil.pk,
        _h={"headers": HTMX},
    )
    assert reponse.status_code == 200
    assert Passage.objects.get().partenaire == adil
    # La liste du jour (rafraîchie hors bande) et la fiche nomment le partenaire.
    assert "Orientation vers un partenaire : ADIL de l&#x27;Isère" in reponse.content.decode()
    fiche = accueil.get(reverse("habitants:fiche", args=[h.pk])).content.decode()
    assert "Orientation vers un partenaire : ADIL de l&#x27;Isère" in fiche


@pytest.mark.parametrize("htmx", [True, False])
def test_orientation_sans_partenaire_message_sous_le_champ(accueil, site, motifs, htmx):
    reponse = poster_passage(
        accueil,
        site,
        motifs,
        reponse="orientation_partenaire",
        **({"_h": {"headers": HTMX}} if htmx else {}),
    )
    assert reponse.status_code == (200 if htmx else 422)
    html = reponse.content.decode()
    assert ("<html" in html) is not htmx
    assert re.search(
        r'<select name="partenaire" id="id_partenaire" class="form-select is-invalid"'
        r' aria-describedby="erreur-partenaire">',
        html,
    )
    assert re.search(
        r'<p id="erreur-partenaire" class="text-danger fw-semibold mb-0">'
        r"Choisissez le partenaire vers qui la personne est orientée.</p>",
        html,
    )
    assert not Passage.objects.exists()


def test_partenaire_pour_une_autre_reponse_refuse(accueil, site, motifs):
    from ccas_portal.models import Partenaire

    caf = Partenaire.objects.get(code="caf")
    reponse = poster_passage(accueil, site, motifs, reponse="information", partenaire=caf.pk)
    assert reponse.status_code == 422
    html = reponse.content.decode()
    assert 'id="erreur-partenaire"' in html
    assert f'<option value="{caf.pk}" selected>' in html  # le choix est gardé pour corriger
    assert not Passage.objects.exists()
    reponse = poster_passage(accueil, site, motifs, reponse="orientation_partenaire", partenaire=0)
    assert reponse.status_code == 422
    assert "pas dans l&#x27;annuaire" in reponse.content.decode()


# --- Doublons dans tout le CCAS : d'un autre site, le nom du site seulement ----------------


def test_doublon_d_un_autre_site_ne_revele_que_le_site(
    accueil, agent_accueil, agent_autre_site, site, autre_site
):
    ailleurs = habitant(
        agent_autre_site,
        nom_usage="Lefèvre",
        prenoms="Hélène",
        nom_naissance="Durandal",
        date_naissance=date(1975, 3, 2),
        telephone="06 12 34 56 78",
        courriel="helene.lefevre@example.org",
    )
    url = reverse("habitants:inscrire") + f"?site={site.code}"
    # Orthographe sans accents, sans date de naissance : même clé phonétique.
    reponse = accueil.post(url, {"nom_usage": "Lefevre", "prenoms": "Helene"})
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Connue de la MdH Autre : contactez-la." in html
    assert 'name="confirmer_nouveau"' in html
    for revele in (
        "Lefèvre",
        "LEFÈVRE",
        "Hélène",
        "Durandal",
        "02/03/1975",
        "1975-03-02",
        "06 12 34 56 78",
        "0612345678",
        "helene.lefevre@example.org",
        reverse("habitants:fiche", args=[ailleurs.pk]),
        f"habitant={ailleurs.pk}",
    ):
        assert revele not in html, revele
    assert "Cette personne est peut-être déjà connue" not in html  # rien du site de l'agent
    assert Habitant.objects.count() == 1
    # L'agent confirme : une nouvelle personne est inscrite sur son site.
    reponse = accueil.post(
        url, {"nom_usage": "Lefevre", "prenoms": "Helene", "confirmer_nouveau": "on"}
    )
    assert reponse.status_code == 302
    assert Habitant.objects.filter(site=site).count() == 1


def test_doublons_du_site_comme_avant_et_autre_site_en_plus(
    accueil, agent_accueil, agent_autre_site, site
):
    ici = habitant(agent_accueil, nom_usage="Jouve", prenoms="Mohammed")
    habitant(
        agent_autre_site, nom_usage="Jouve", prenoms="Mohamed", date_naissance=date(1988, 5, 1)
    )
    url = reverse("habitants:inscrire") + f"?site={site.code}"
    html = accueil.post(url, {"nom_usage": "Jouve", "prenoms": "Mohamed"}).content.decode()
    # La personne du site de l'agent : nommée, avec ses liens, comme avant.
    assert "Cette personne est peut-être déjà connue" in html
    assert "<strong>JOUVE</strong> Mohammed" in html
    assert reverse("habitants:fiche", args=[ici.pk]) in html
    # Celle de l'autre site : le nom du site, rien d'autre.
    assert "Connue de la MdH Autre : contactez-la." in html
    assert "01/05/1988" not in html
    assert Habitant.objects.count() == 2


def test_sans_personne_semblable_ailleurs_inscription_directe(accueil, agent_autre_site, site):
    habitant(agent_autre_site, nom_usage="Jouve", prenoms="Léa")
    url = reverse("habitants:inscrire") + f"?site={site.code}"
    reponse = accueil.post(url, {"nom_usage": "Martin", "prenoms": "Léa"})
    assert reponse.status_code == 302
