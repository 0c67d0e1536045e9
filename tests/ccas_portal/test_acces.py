"""Refus par défaut : toute URL exige un agent connecté, sauf la connexion (et les statiques)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ccas_portal.enums import Role

URL_PUBLIQUES = {"connexion"}


def _toutes_les_urls(motifs=None, prefixe=""):
    """(nom, chemin d'exemple, vue) pour chaque motif d'URL du projet, inclusions comprises."""
    for motif in get_resolver().url_patterns if motifs is None else motifs:
        chemin = prefixe + str(motif.pattern)
        if isinstance(motif, URLResolver):
            yield from _toutes_les_urls(motif.url_patterns, chemin)
        elif isinstance(motif, URLPattern):
            exemple = re.sub(r"<(?:\w+:)?(\w+)>", "1", chemin)  # <int:pk> -> 1
            exemple = re.sub(
                r"[\^\$]|\(\?P<\w+>[^)]*\)", lambda m: "1" if m[0][0] == "(" else "", exemple
            )
            yield motif.name, "/" + exemple.replace("\\", ""), motif.callback


TOUTES = list(_toutes_les_urls())


def test_l_inventaire_couvre_les_pages_du_portail():
    noms = {nom for nom, _, _ in TOUTES}
    assert {
        "connexion",
        "accueil",
        "tableau_de_bord",
        "administration",
        "guichet",
        "mes_accompagnements",
    } <= noms
    assert len(TOUTES) > 30  # l'administration technique en fait partie


@pytest.mark.parametrize(("nom", "chemin", "vue"), TOUTES, ids=[c for _, c, _ in TOUTES])
def test_aucune_vue_n_est_publique_sauf_la_connexion(nom, chemin, vue):
    publique = getattr(vue, "login_required", True) is False
    assert publique is (nom in URL_PUBLIQUES), f"{chemin} ({nom})"


@pytest.mark.django_db
@pytest.mark.parametrize(("nom", "chemin", "vue"), TOUTES, ids=[c for _, c, _ in TOUTES])
def test_un_anonyme_est_renvoye_a_la_connexion(client, nom, chemin, vue):
    if nom in URL_PUBLIQUES:
        assert client.get(chemin).status_code == 200
        return
    for methode in (client.get, client.post):
        reponse = methode(chemin, follow=True)
        # L'administration technique passe par sa propre URL de connexion, qui renvoie ici.
        assert reponse.redirect_chain, chemin
        assert reponse.request["PATH_INFO"] == reverse("connexion"), chemin
        assert reponse.status_code == 200
        assert "Connexion" in reponse.content.decode()


PAGES_PAR_ROLE = {
    "habitants:guichet": {Role.ACCUEIL, Role.TRAVAILLEUR_SOCIAL},
    "accompagnement:mes_accompagnements": {Role.TRAVAILLEUR_SOCIAL},
    "tableau_de_bord": {Role.RESPONSABLE, Role.ADMIN},
    "administration": {Role.ADMIN},
    "admin:index": {Role.ADMIN},
    "admin:ccas_portal_agent_changelist": {Role.ADMIN},
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES_PAR_ROLE)
@pytest.mark.parametrize("role", Role.values)
def test_pages_reservees_selon_le_role(client_de, agent_par_role, referentiels, page, role):
    # L'administration technique renvoie d'abord vers sa connexion, qui refuse (403).
    reponse = client_de(agent_par_role[role]).get(reverse(page), follow=True)
    if role in PAGES_PAR_ROLE[page]:
        assert reponse.status_code == 200
    else:
        assert reponse.status_code == 403
        if not page.startswith("admin:"):
            assert "Accès refusé" in reponse.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_le_menu_ne_montre_que_les_pages_permises(client_de, agent_par_role, role):
    html = client_de(agent_par_role[role]).get(reverse("accueil"), follow=True).content.decode()
    for page, roles in PAGES_PAR_ROLE.items():
        if page.startswith("admin:"):
            continue
        assert (f'href="{reverse(page)}"' in html) is (role in roles), page


@pytest.mark.django_db
def test_l_administration_technique_n_a_pas_sa_propre_connexion(client, client_de, agent_par_role):
    reponse = client.get(reverse("admin:login"))
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("connexion"))
    reponse = client_de(agent_par_role[Role.RESPONSABLE]).get(reverse("admin:login"))
    assert reponse.status_code == 403


@pytest.mark.django_db
def test_entetes_de_securite(client):
    reponse = client.get(reverse("connexion"))
    csp = reponse["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert reponse["X-Frame-Options"] == "DENY"
    assert reponse["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_page_introuvable_en_francais(client_de, agent_par_role):
    reponse = client_de(agent_par_role[Role.ACCUEIL]).get("/nexiste/pas/")
    assert reponse.status_code == 404
    assert "Page introuvable" in reponse.content.decode()
