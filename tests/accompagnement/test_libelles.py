"""Le français et les repères des écrans du travail social : faits de l'axe lisibles (dates
jj/mm/aaaa, libellés des choix), échéances dépassées signalées « en retard » et triables en
tête, comptes au singulier pour 0 et 1."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accompagnement import services
from accompagnement.models import Accompagnement
from tests.accompagnement.conftest import ouvrir
from tests.texte import texte_visible

pytestmark = pytest.mark.django_db
PORTEFEUILLE = reverse("accompagnement:mes_accompagnements")


def test_faits_de_l_axe_en_francais(client, ts, famille):
    a = ouvrir(ts, famille, axe="logement")
    services.enregistrer_faits(
        agent=ts,
        accompagnement=a,
        faits={
            "date_demande_logement_social": "2024-03-01",
            "demande_siao": True,
            "recours_dalo": "prioritaire",
        },
    )
    client.force_login(ts)
    html = client.get(reverse("accompagnement:detail", args=[a.pk])).content.decode()
    assert "2024-03-01" not in texte_visible(html)
    assert "<dt>Date de la demande de logement social</dt><dd>01/03/2024</dd>" in html
    assert "<dt>Demande SIAO déposée</dt><dd>oui</dd>" in html
    assert "<dt>Recours DALO</dt><dd>Reconnu prioritaire</dd>" in html


def echeance(ts, accompagnement, jours, libelle="Dossier"):
    objectif = services.ajouter_objectif(agent=ts, accompagnement=accompagnement, libelle="But")
    return services.ajouter_action(
        agent=ts,
        objectif=objectif,
        libelle=libelle,
        echeance=timezone.localdate() + timedelta(days=jours),
    )


def test_action_en_retard_dite_dans_le_plan(client, ts, famille):
    a = ouvrir(ts, famille, axe="logement")
    echeance(ts, a, -3, "Relancer le bailleur")
    faite = echeance(ts, a, -10, "Envoyer le dossier")
    services.changer_statut_action(agent=ts, action=faite, statut="realisee")
    echeance(ts, a, 5, "Visiter le logement")
    client.force_login(ts)
    html = client.get(reverse("accompagnement:detail", args=[a.pk])).content.decode()
    texte = texte_visible(html)
    assert texte.count("en retard") == 1  # ni l'action faite, ni celle à venir
    assert "en retard de 3 jours" in texte
    assert 'class="echeance-en-retard"' in html


def test_portefeuille_echeances_en_retard_d_abord(client, ts, famille):
    sans = ouvrir(ts, famille, axe="sante")
    a_venir = ouvrir(ts, famille, axe="existence")
    echeance(ts, a_venir, 2)
    en_retard = ouvrir(ts, famille, axe="logement")
    echeance(ts, en_retard, -1)
    tres_en_retard = ouvrir(ts, famille, axe="acces_droits")
    echeance(ts, tres_en_retard, -20)
    client.force_login(ts)
    reponse = client.get(PORTEFEUILLE, {"tri": "retard"})
    assert reponse.status_code == 200
    ordre = [a.pk for a in reponse.context["page"]]
    assert ordre == [tres_en_retard.pk, en_retard.pk, a_venir.pk, sans.pk]
    texte = texte_visible(reponse.content.decode())
    assert "en retard de 1 jour" in texte
    assert "en retard de 20 jours" in texte
    assert texte.count("en retard de") == 2
    assert "Échéances en retard d'abord" in texte  # proposé dans « Trier par »
    assert Accompagnement.objects.count() == 4


def test_portefeuille_vide_au_singulier(client, ts):
    client.force_login(ts)
    texte = texte_visible(client.get(PORTEFEUILLE).content.decode())
    assert re.search(r"\b0 accompagnement\b", texte)


def test_aucun_gabarit_n_emploie_pluralize():
    """Le filtre `pluralize` de Django met 0 au pluriel (« 0 personnes ») : les gabarits
    emploient `compte` / `accord` (ccas_portal/formats.py)."""
    from pathlib import Path

    from django.conf import settings

    gabarits = Path(settings.BASE_DIR, "templates").rglob("*.html")
    fautifs = [g.name for g in gabarits if "|pluralize" in g.read_text()]
    assert fautifs == []


def test_pas_d_espace_avant_une_virgule(client, ts, famille, site):
    from habitants.models import Motif
    from habitants.services import enregistrer_passage

    f, parent, enfant = famille
    a = ouvrir(ts, famille, axe="logement", membres=[parent, enfant])
    echeance(ts, a, 3)
    services.enregistrer_intervention(
        agent=ts,
        accompagnement=a,
        type="appel",
        date_intervention=timezone.localdate(),
        participants=[parent, enfant],
    )
    enregistrer_passage(
        agent=ts,
        site=site,
        habitant=parent,
        mode="physique",
        motifs=[Motif.objects.filter(actif=True).first()],
        reponse="information",
    )
    client.force_login(ts)
    pages = [
        reverse("accompagnement:dossier", args=[f.pk]),
        reverse("accompagnement:detail", args=[a.pk]),
        reverse("habitants:fiche", args=[parent.pk]),
        PORTEFEUILLE,
        reverse("droits:signalements"),
        reverse("habitants:guichet") + f"?site={site.code}&q=amina",
    ]
    for page in pages:
        reponse = client.get(page)
        assert reponse.status_code == 200, page
        texte = texte_visible(reponse.content.decode())
        assert " ," not in texte, (page, texte[max(0, texte.find(" ,") - 60) :][:120])
