"""Le français des écrans des droits : montants « 1 250,00 € », accords, état de la
simulation dit une fois, « exécution » (jamais « passage ») pour la détection, et la carte
d'une exécution qui explique l'écart entre droits probables et nouveaux signalements."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from droits import services
from droits.detection import execution as detection
from droits.detection.regles_locales import jeunes_adultes_sans_ressources
from droits.detection.situation import FoyerSimule, Personne
from droits.models import ExecutionDetection, Prestation, Signalement
from tests.droits.conftest import MOIS
from tests.factories import AgentFactory, SiteFactory
from tests.texte import texte_visible

pytestmark = pytest.mark.django_db

FINE = "\u202f"


def executer(perimetre="tous"):
    e = ExecutionDetection.objects.create(declencheur="test", perimetre=perimetre, mois_cible=MOIS)
    for lot in detection.preparer(e.pk):
        detection.traiter_lot(lot)
    e.refresh_from_db()
    return e


def carte(client, execution):
    client.force_login(
        AgentFactory(role="responsable", sites=[SiteFactory(type="service_central")])
    )
    return texte_visible(
        client.get(reverse("droits:progression", args=[execution.pk])).content.decode()
    )


def test_simulation_en_attente_ou_en_cours_dite_une_fois(client, ts, seul_sans_revenu):
    f, _ = seul_sans_revenu
    client.force_login(ts)
    e = ExecutionDetection.objects.create(
        declencheur="simuler maintenant", perimetre="foyer", foyer=f, mois_cible=MOIS
    )
    url = reverse("droits:simulation_foyer", args=[f.pk])
    texte = texte_visible(client.get(url).content.decode())
    assert "Simulation pour octobre 2026 demandée : en attente d'un worker…" in texte
    assert "(en attente)" not in texte
    e.statut = "en_cours"
    e.save()
    texte = texte_visible(client.get(url).content.decode())
    assert "Simulation pour octobre 2026 en cours…" in texte
    assert "(en cours)" not in texte


def test_montants_a_la_francaise_dans_le_dossier_et_la_chronologie(client, ts, seul_sans_revenu):
    f, (karim,) = seul_sans_revenu
    services.enregistrer_prestation(
        agent=ts,
        foyer=f,
        prestation=Prestation.objects.get(code="aah"),
        statut="percue",
        source="organisme",
        beneficiaire=karim,
        date_debut=date(2026, 1, 1),
        montant_mensuel=Decimal("1250"),
    )
    Signalement.objects.create(
        foyer=f,
        prestation_id="rsa",
        montant_estime=Decimal("250.00"),
        empreinte="x",
        explication={
            "mois": "10/2026",
            "personnes": 1,
            "ages": [35],
            "ressources_mensuelles_nettes": 1250.5,
            "loyer": 450.0,
        },
    )
    client.force_login(ts)
    texte = texte_visible(
        client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    )
    assert "250.00" not in texte
    assert "1250" not in texte
    assert "Revenu de solidarité active (RSA) — 250,00 € par mois" in texte
    assert f"ressources nettes 1{FINE}250,50 € par mois, loyer 450,00 €" in texte
    assert f"1{FINE}250,00 €" in texte  # tableau des prestations
    assert f"Montant : 1{FINE}250,00 € par mois" in texte  # chronologie
    assert "Estimation : 250,00 € par mois" in texte  # chronologie
    assert "1 personne (âges : 35)" in texte


def test_textes_python_des_montants_et_des_jeunes():
    s = Signalement(prestation=Prestation(libelle="RSA"), montant_estime=Decimal("1250"))
    assert str(s) == f"RSA — 1{FINE}250,00\u00a0€ par mois (Nouveau)"
    jeune = Personne(1, date(2004, 5, 1), "demandeur")
    [p] = jeunes_adultes_sans_ressources(
        FoyerSimule(1, "38185", "locataire_vide", 400.0, [jeune]), MOIS, set()
    )
    assert p.raison.startswith("1 jeune de 18 à 24 ans")


def test_la_page_detection_parle_d_executions(client, referentiels):
    client.force_login(AgentFactory(role="responsable", sites=[SiteFactory()]))
    texte = texte_visible(client.get(reverse("droits:detection")).content.decode())
    assert "passage" not in texte.lower()
    assert "Aucune exécution pour l'instant." in texte
    assert ExecutionDetection._meta.verbose_name == "exécution de la détection"


def test_carte_d_une_execution_explique_droits_probables_et_nouveaux(client, referentiels):
    e = ExecutionDetection.objects.create(
        declencheur="test",
        perimetre="tous",
        mois_cible=MOIS,
        statut="terminee",
        total=300,
        traites=300,
        debut=timezone.now() - timedelta(seconds=8),
        fin=timezone.now(),
        comptes={"rsa": 70, "aide_logement": 50},
        signalements_crees=15,
        bilan={"deja_demandes": 80, "deja_signales": 25, "nouveaux": 15, "plus_detectes": 1},
    )
    texte = carte(client, e)
    assert (
        "Droits probables : 120 (un par foyer et prestation), dont 80 déjà demandés ou perçus, "
        "25 déjà signalés et 15 nouveaux signalements. "
        "1 signalement ouvert n'est plus détecté."
    ) in texte
    assert "Droits probables par prestation :" in texte
    assert "300 foyers traités sur 300" in texte


def test_carte_sans_nouveau_signalement_et_ancienne_execution(client, referentiels):
    e = ExecutionDetection.objects.create(
        declencheur="test",
        perimetre="tous",
        mois_cible=MOIS,
        statut="terminee",
        total=1,
        traites=1,
        comptes={"rsa": 1},
        signalements_crees=0,
        bilan={"deja_signales": 1},
    )
    texte = carte(client, e)
    assert "dont 0 déjà demandé ou perçu, 1 déjà signalé et aucun nouveau signalement." in texte
    assert "1 foyer traité sur 1" in texte
    assert "0 nouveaux" not in texte
    e.bilan = {}
    e.save()
    texte = carte(client, e)
    assert "répartition non enregistrée pour cette exécution" in texte


@pytest.mark.moteur
def test_le_bilan_d_une_execution_somme_les_droits_probables(ts, seul_sans_revenu):
    f, (karim,) = seul_sans_revenu
    premiere = executer()
    assert premiere.bilan == {"nouveaux": 3}
    assert premiere.droits_probables_total == 3 == premiere.signalements_crees
    # Le RSA est désormais perçu ; l'aide au logement est close « non éligible ».
    services.enregistrer_prestation(
        agent=ts,
        foyer=f,
        prestation=Prestation.objects.get(code="rsa"),
        statut="percue",
        source="organisme",
        beneficiaire=karim,
        date_debut=date(2026, 1, 1),
        montant_mensuel=Decimal("573.49"),
    )
    services.changer_etat_signalement(
        agent=ts,
        signalement=Signalement.objects.get(prestation="aide_logement"),
        etat="non_eligible",
    )
    seconde = executer()
    b = seconde.bilan
    assert seconde.droits_probables_total == sum(
        b.get(k, 0)
        for k in (
            "deja_demandes",
            "deja_signales",
            "clos_memes_faits",
            "hors_catalogue",
            "nouveaux",
        )
    )
    assert b["deja_demandes"] == 1  # RSA perçu
    assert b["deja_signales"] == 1  # CSS, signalement ouvert
    assert b.get("nouveaux", 0) == seconde.signalements_crees
