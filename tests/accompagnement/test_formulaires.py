"""Formulaires d'écriture : attributs htmx sur la seule balise <form>, erreurs sous leur champ
et en résumé, un formulaire renvoyé n'écrit qu'une fois, second accompagnement sur confirmation.
"""

import re
import uuid
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from accompagnement.models import Accompagnement, Intervention
from ccas_portal.models import SoumissionTraitee
from droits.models import Prestation, PrestationFoyer
from habitants.models import Habitant, Motif, Passage
from tests.accompagnement.conftest import ouvrir
from tests.factories import AgentFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
ATTRIBUTS_DE_FORMULAIRE = {"hx-post", "hx-get", "hx-target", "hx-swap", "action"}
#: Les éléments qui peuvent légitimement porter ces attributs.
PORTEURS = {"form", "a", "button", "input", "section", "div-declencheur"}


class _Porteurs(HTMLParser):
    """Relève les éléments porteurs d'un attribut de requête (action, hx-post…)."""

    def __init__(self):
        super().__init__()
        self.trouves = []

    def handle_starttag(self, tag, attrs):
        noms = {nom for nom, _ in attrs} & ATTRIBUTS_DE_FORMULAIRE
        if noms:
            self.trouves.append((tag, sorted(noms), dict(attrs)))


def porteurs(html):
    analyse = _Porteurs()
    analyse.feed(html)
    return analyse.trouves


def url(nom, *args):
    return reverse(f"accompagnement:{nom}", args=args)


@pytest.fixture
def motifs(referentiels):
    return list(Motif.objects.filter(actif=True))


@pytest.fixture
def accompagnement(ts, famille):
    return ouvrir(ts, famille)


def _sans_attributs_de_requete_hors_form(html):
    """Aucune case à cocher, aucun groupe de cases, aucun bloc n'envoie de requête : seuls
    <form> (et les liens/boutons déclarés tels) portent action/hx-post/hx-target/hx-swap."""
    fautifs = [
        (tag, noms)
        for tag, noms, attrs in porteurs(html)
        if tag not in ("form", "a", "button")
        and not (tag == "input" and attrs.get("type") == "search")
        and "hx-trigger" not in attrs
    ]
    return fautifs


def test_aucun_groupe_de_cases_ne_poste_le_formulaire(client, ts, famille, accompagnement):
    """Le défaut d'origine : crispy répétait action/hx-post/hx-target/hx-swap sur l'enveloppe
    des cases « Personnes présentes », et htmx postait au premier clic sur une case."""
    f, _, _ = famille
    client.force_login(ts)
    pages = [
        url("detail", accompagnement.pk),
        url("dossier", f.pk),
        url("ouvrir", f.pk),
        url("actions_collectives"),
    ]
    for adresse in pages:
        html = client.get(adresse).content.decode()
        assert _sans_attributs_de_requete_hors_form(html) == [], adresse
    html = client.get(url("detail", accompagnement.pk)).content.decode()
    # Le formulaire d'intervention porte bien ses attributs, et ses cases aucun.
    formulaire = next(a for t, _, a in porteurs(html) if a.get("id") == "intervention-formulaire")
    assert formulaire["hx-post"] == url("ajouter_intervention", accompagnement.pk)
    assert 'name="participants"' in html


def test_guichet_sans_attributs_de_requete_sur_les_motifs(client, site, motifs):
    from ccas_portal.enums import Role

    client.force_login(AgentFactory(role=Role.ACCUEIL, sites=[site]))
    html = client.get(reverse("habitants:guichet")).content.decode()
    assert _sans_attributs_de_requete_hors_form(html) == []
    assert html.count('name="motifs"') == Motif.objects.filter(actif=True).count()


# --- Erreurs sous leur champ, résumé en tête -----------------------------------------------


def test_accompagnement_erreurs_sous_le_champ_et_resume(client, ts, accompagnement):
    client.force_login(ts)
    reponse = client.post(
        url("ajouter_intervention", accompagnement.pk),
        {"type": "appel", "date": timezone.localdate().isoformat(), "duree_minutes": "900"},
        **HTMX,
    )
    html = reponse.content.decode()
    assert "data-resume-erreurs" in html
    assert "Le formulaire contient une erreur :" in html
    assert 'href="#intervention-duree_minutes"' in html
    # Sous le champ : le bloc d'erreur de crispy qui suit la saisie.
    saisie = re.search(r'<input[^>]*id="intervention-duree_minutes"[^>]*>', html).group(0)
    assert "is-invalid" in saisie
    assert "inférieure ou égale à 600" in html.split('id="intervention-duree_minutes"')[1]
    assert not Intervention.objects.exists()
    # Le formulaire revenu avec ses erreurs poste toujours en htmx vers sa vue (il postait
    # sans JavaScript vers la page, qui répondait 405).
    formulaire = next(a for t, _, a in porteurs(html) if a.get("id") == "intervention-formulaire")
    assert formulaire["action"] == formulaire["hx-post"]
    assert formulaire["hx-post"] == url("ajouter_intervention", accompagnement.pk)


def test_accueil_note_trop_longue_message_sous_la_note(client, site, motifs):
    from ccas_portal.enums import Role

    client.force_login(AgentFactory(role=Role.ACCUEIL, sites=[site]))
    donnees = {
        "site": site.code,
        "mode": "courrier-pigeon",
        "motifs": [motifs[0].pk],
        "reponse": "inconnue",
        "note": "x" * 600,
        "habitant": "abc",
    }
    for entetes in (HTMX, {}):
        reponse = client.post(reverse("habitants:enregistrer_passage"), donnees, **entetes)
        assert reponse.status_code == (200 if entetes else 422)
        html = reponse.content.decode()
        for ident in ("erreur-note", "erreur-mode", "erreur-reponse"):
            assert f'id="{ident}"' in html, ident
        assert "au plus 500 caractères" in html
        assert "Le formulaire contient" in html
        assert "Personne : Cette personne est introuvable" in html
    assert not Passage.objects.exists()


def test_droits_prestation_erreurs_sous_le_champ(client, ts, famille):
    f, _, _ = famille
    client.force_login(ts)
    prestation = Prestation.objects.filter(actif=True).first()
    reponse = client.post(
        reverse("droits:ajouter_prestation", args=[f.pk]),
        {
            "prestation": prestation.pk,
            "statut": "percue",
            "source": "declaration",
            "montant_mensuel": "abc",
        },
    )
    assert reponse.status_code == 422
    html = reponse.content.decode()
    assert "Le formulaire contient" in html
    apres = html.split('id="prestation-montant_mensuel"')[1]
    assert "Saisissez un nombre." in apres
    assert not PrestationFoyer.objects.exists()


# --- Un formulaire renvoyé n'écrit qu'une fois --------------------------------------------


def test_intervention_envoyee_deux_fois_enregistree_une_fois(client, ts, famille, accompagnement):
    _, parent, _ = famille
    client.force_login(ts)
    jeton = str(uuid.uuid4())
    donnees = {
        "jeton": jeton,
        "type": "visite_domicile",
        "date": timezone.localdate().isoformat(),
        "duree_minutes": "45",
        "participants": [parent.pk],
        "compte_rendu": "Visite.",
    }
    premiere = client.post(url("ajouter_intervention", accompagnement.pk), donnees, **HTMX)
    seconde = client.post(url("ajouter_intervention", accompagnement.pk), donnees, **HTMX)
    assert "Intervention enregistrée." in premiere.content.decode()
    assert "déjà été enregistré" in seconde.content.decode()
    assert Intervention.objects.count() == 1
    # Sans JavaScript (retour arrière puis renvoi) : pareil.
    troisieme = client.post(url("ajouter_intervention", accompagnement.pk), donnees)
    assert troisieme.status_code == 302
    assert Intervention.objects.count() == 1
    # Le formulaire suivant porte un nouveau jeton.
    html = premiere.content.decode()
    assert jeton not in html


def test_un_formulaire_refuse_ne_consomme_pas_son_jeton(client, ts, accompagnement):
    client.force_login(ts)
    jeton = str(uuid.uuid4())
    donnees = {"jeton": jeton, "type": "appel", "date": timezone.localdate().isoformat()}
    client.post(url("ajouter_intervention", accompagnement.pk), {**donnees, "duree_minutes": "0"})
    assert not SoumissionTraitee.objects.exists()
    client.post(url("ajouter_intervention", accompagnement.pk), {**donnees, "duree_minutes": "5"})
    assert Intervention.objects.get().duree_minutes == 5
    assert SoumissionTraitee.objects.get().jeton == uuid.UUID(jeton)


def test_passage_et_prestation_envoyes_deux_fois(client, ts, site, famille, motifs):
    f, _, _ = famille
    accueil = AgentFactory(role="accueil", sites=[site])
    client.force_login(accueil)
    passage = {
        "site": site.code,
        "jeton": str(uuid.uuid4()),
        "mode": "physique",
        "motifs": [motifs[0].pk],
        "reponse": "information",
    }
    for _ in range(2):
        client.post(reverse("habitants:enregistrer_passage"), passage, **HTMX)
    assert Passage.objects.count() == 1
    client.force_login(ts)
    prestation = {
        "jeton": str(uuid.uuid4()),
        "prestation": Prestation.objects.filter(actif=True).first().pk,
        "statut": "percue",
        "source": "declaration",
        "date_debut": "2025-01-01",
    }
    for _ in range(2):
        reponse = client.post(reverse("droits:ajouter_prestation", args=[f.pk]), prestation)
        assert reponse.status_code == 302
    assert PrestationFoyer.objects.count() == 1
    inscription = {"jeton": str(uuid.uuid4()), "nom_usage": "Nouvelle", "prenoms": "Personne"}
    client.force_login(accueil)
    avant = Habitant.objects.count()
    for _ in range(2):
        client.post(reverse("habitants:inscrire") + f"?site={site.code}", inscription)
    assert Habitant.objects.count() == avant + 1


# --- Second accompagnement ouvert sur le même axe ------------------------------------------


def test_second_accompagnement_sur_le_meme_axe_demande_confirmation(
    client, ts, famille, accompagnement
):
    f, parent, _ = famille
    client.force_login(ts)
    donnees = {
        "axe": accompagnement.axe_id,
        "membres": [parent.pk],
        "date_ouverture": timezone.localdate().isoformat(),
    }
    reponse = client.post(url("ouvrir", f.pk), donnees)
    assert reponse.status_code == 422
    html = reponse.content.decode()
    assert "est déjà ouvert pour ce foyer" in html
    assert f'href="{url("detail", accompagnement.pk)}"' in html
    assert 'name="malgre_accompagnement_ouvert"' in html
    assert Accompagnement.objects.count() == 1
    # Un autre axe : aucune question.
    reponse = client.post(url("ouvrir", f.pk), {**donnees, "axe": "sante"})
    assert reponse.status_code == 302
    # Confirmé : le second est ouvert.
    reponse = client.post(url("ouvrir", f.pk), {**donnees, "malgre_accompagnement_ouvert": "on"})
    assert reponse.status_code == 302
    assert Accompagnement.objects.filter(axe_id=accompagnement.axe_id).count() == 2


def test_accompagnement_clos_sur_le_meme_axe_ne_bloque_pas(client, ts, famille, accompagnement):
    from accompagnement import services

    f, parent, _ = famille
    services.changer_statut(
        agent=ts,
        accompagnement=accompagnement,
        statut="clos",
        date_effet=timezone.localdate(),
        motif_cloture="objectifs_atteints",
    )
    client.force_login(ts)
    reponse = client.post(
        url("ouvrir", f.pk),
        {
            "axe": accompagnement.axe_id,
            "membres": [parent.pk],
            "date_ouverture": timezone.localdate().isoformat(),
        },
    )
    assert reponse.status_code == 302


def test_les_jetons_de_plus_de_sept_jours_sont_purges(ts):
    from datetime import timedelta

    from ccas_portal.idempotence import une_seule_fois

    vieux = SoumissionTraitee.objects.create(
        jeton=uuid.uuid4(), agent=ts, le=timezone.now() - timedelta(days=8)
    )
    recent = SoumissionTraitee.objects.create(
        jeton=uuid.uuid4(), agent=ts, le=timezone.now() - timedelta(days=6)
    )
    assert une_seule_fois(jeton=uuid.uuid4(), agent=ts, ecrire=lambda: 42) == 42
    restants = set(SoumissionTraitee.objects.values_list("pk", flat=True))
    assert vieux.pk not in restants
    assert recent.pk in restants


def test_connexion_seance_et_detection_resument_leurs_erreurs(client, ts, referentiels):
    """Les formulaires hors FormulairePortail : même résumé des erreurs en tête."""
    from accompagnement.models import ActionCollective

    html = client.post(
        reverse("connexion"), {"username": "personne", "password": "faux"}
    ).content.decode()
    assert "data-resume-erreurs" in html
    assert "Identifiant ou mot de passe incorrect" in html

    client.force_login(ts)
    action = ActionCollective.objects.create(
        titre="Atelier budget",
        type="atelier",
        site=ts.sites.first(),
        date_debut="2026-01-01",
        cree_par=ts,
    )
    reponse = client.post(
        reverse("accompagnement:enregistrer_seance", args=[action.pk]),
        {"date": "", "theme": "", "site": "", "participants_anonymes": "-3"},
    )
    assert reponse.status_code == 422
    html = reponse.content.decode()
    assert "Le formulaire contient 4 erreurs" in html
    assert 'href="#id_theme"' in html

    responsable = AgentFactory(role="responsable", sites=[ts.sites.first()])
    client.force_login(responsable)
    html = client.post(reverse("droits:detection"), {"perimetre": "inconnu"}).content.decode()
    assert "data-resume-erreurs" in html


def test_interventions_suspectes_listees_sans_rien_modifier(ts, famille, accompagnement):
    import io
    from datetime import timedelta

    from django.core.management import call_command

    from accompagnement import services

    def saisir(**champs):
        return services.enregistrer_intervention(
            agent=ts,
            accompagnement=accompagnement,
            date_intervention=timezone.localdate(),
            **champs,
        )

    demi = saisir(type="visite_domicile")  # postée au premier clic, sans compte rendu
    complete = saisir(type="visite_domicile", compte_rendu="Visite, note confidentielle.")
    isolee = saisir(type="appel")
    Intervention.objects.filter(pk=isolee.pk).update(cree_le=timezone.now() + timedelta(hours=2))
    sortie = io.StringIO()
    call_command("interventions_suspectes", stdout=sortie)
    texte = sortie.getvalue()
    assert f"intervention {demi.pk} (visite_domicile" in texte
    assert f"intervention {complete.pk} (visite_domicile" in texte
    assert "1 paire à vérifier" in texte
    assert Intervention.objects.count() == 3
