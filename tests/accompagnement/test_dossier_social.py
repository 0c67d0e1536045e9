"""Les écrans du dossier social : sections htmx qui marchent aussi sans JavaScript,
périmètre (404, 403), accueil sans ressources ni santé, chronologie « modifié le … par … »,
nombre de requêtes épinglé."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from ccas_portal.enums import Role
from habitants import services as hs
from habitants.models import Foyer, Habitant, MembreFoyer, Ressource
from tests.factories import AgentFactory, SiteFactory, foyer, habitant

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "dossier-social"}


def url(nom, *args):
    return reverse(f"accompagnement:{nom}", args=args)


def test_ajouter_une_ressource_en_htmx_puis_sans_javascript(client, ts, famille):
    f, parent, _ = famille
    client.force_login(ts)
    donnees = {
        "type": "salaire_net",
        "montant_mensuel": "1 250,50",
        "date_debut": "2025-01-01",
    }
    reponse = client.post(url("ajouter_ressource", f.pk, parent.pk), donnees, **HTMX)
    assert reponse.status_code == 200
    texte = reponse.content.decode()
    assert "Ressource ajoutée." in texte
    assert 'id="dossier-social"' in texte
    assert "<html" not in texte
    # La chronologie suit, hors bande, avec le changement.
    assert (
        'id="chronologie" aria-labelledby="titre-chronologie" class="mt-4" hx-swap-oob="true"'
        in texte
    )
    assert "Ressource ajoutée : Salaire net" in texte
    r = Ressource.objects.get(habitant=parent)
    assert r.montant_mensuel == Decimal("1250.50")
    reponse = client.post(
        url("ajouter_ressource", f.pk, parent.pk),
        {"type": "chomage", "montant_mensuel": "600", "date_debut": "2025-02-01"},
    )
    assert reponse.status_code == 302
    assert reponse.url.endswith("#dossier-social")
    assert Ressource.objects.filter(habitant=parent).count() == 2


def test_erreurs_en_francais_sous_le_champ(client, ts, famille):
    f, parent, _ = famille
    client.force_login(ts)
    mauvais = {"type": "autre", "montant_mensuel": "-3", "date_debut": "2025-01-01"}
    reponse = client.post(url("ajouter_ressource", f.pk, parent.pk), mauvais)
    assert reponse.status_code == 422
    texte = reponse.content.decode()
    assert "Le montant ne peut pas être négatif." in texte
    assert "Précisez la nature de cette ressource." in texte
    reponse = client.post(url("ajouter_ressource", f.pk, parent.pk), mauvais, **HTMX)
    assert reponse.status_code == 200
    assert "Le montant ne peut pas être négatif." in reponse.content.decode()
    assert not Ressource.objects.exists()


def test_logement_commune_verifiee(client, ts, famille):
    f, _, _ = famille
    client.force_login(ts)
    donnees = {
        "adresse": "4 rue Voltaire",
        "code_postal": "38000",
        "commune": "Lyon",
        "statut_occupation": "locataire_parc_prive",
        "type_bailleur": "prive",
    }
    reponse = client.post(url("modifier_logement", f.pk), donnees)
    assert reponse.status_code == 422
    assert "pas le code postal 38000, qui est celui de : Grenoble." in reponse.content.decode()
    donnees["commune"] = "Grenoble"
    assert client.post(url("modifier_logement", f.pk), donnees).status_code == 302
    f.refresh_from_db()
    assert (f.adresse, f.commune, f.type_bailleur) == ("4 rue Voltaire", "Grenoble", "prive")


def test_composition_ajouter_existant_nouveau_et_depart(client, ts, famille, site):
    f, _parent, enfant = famille
    client.force_login(ts)
    voisin = habitant(ts, nom_usage="Rousseau", prenoms="Jean", date_naissance=date(1975, 1, 1))
    # La recherche (sans JavaScript : la page ; avec htmx : le fragment des résultats).
    page = client.get(url("dossier", f.pk), {"personne": "rousseau"}).content.decode()
    assert "ROUSSEAU Jean — né(e) le 01/01/1975" in page
    fragment = client.get(
        url("dossier", f.pk),
        {"personne": "rousseau"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="resultats-personne",
    ).content.decode()
    assert fragment.startswith('<div id="resultats-personne">')
    reponse = client.post(
        url("ajouter_membre_existant", f.pk),
        {"habitant": voisin.pk, "role": "conjoint", "date_debut": "2025-03-01"},
        **HTMX,
    )
    assert "Personne ajoutée au foyer." in reponse.content.decode()
    assert MembreFoyer.objects.get(habitant=voisin, date_fin__isnull=True).foyer == f
    reponse = client.post(
        url("ajouter_nouveau_membre", f.pk),
        {
            "nom_usage": "Rousseau",
            "prenoms": "Lina",
            "date_naissance": "2025-04-02",
            "role": "enfant",
            "date_debut": "2025-04-02",
        },
    )
    assert reponse.status_code == 302
    lina = Habitant.objects.get(prenoms="Lina")
    membre = MembreFoyer.objects.get(habitant=enfant)
    reponse = client.post(
        url("terminer_appartenance", f.pk, membre.pk), {"date_fin": "2025-09-30"}, **HTMX
    )
    assert reponse.status_code == 200
    assert MembreFoyer.objects.get(pk=membre.pk).date_fin == date(2025, 9, 30)
    assert lina.site == site


def test_chronologie_modifie_le_par_avec_la_valeur_d_avant(client, ts, famille):
    f, parent, _ = famille
    r = hs.ajouter_ressource(
        agent=ts,
        habitant=parent,
        type="salaire_net",
        montant_mensuel=Decimal("1000"),
        date_debut=date(2025, 1, 1),
    )
    client.force_login(ts)
    client.post(
        url("corriger_ressource", f.pk, r.pk),
        {"type": "salaire_net", "montant_mensuel": "1100", "date_debut": "2025-01-01"},
    )
    page = client.get(url("dossier", f.pk)).content.decode()
    assert "Ressource corrigée : Salaire net" in page
    assert f"modifié le {date.today():%d/%m/%Y}" in page
    assert f"par {ts.get_full_name()}" in page
    assert "Montant mensuel (€) : 1\u202f100,00\u00a0€ (avant : 1\u202f000,00\u00a0€)" in page


def test_accueil_n_atteint_ni_ressources_ni_sante(client, site, famille):
    f, parent, _ = famille
    accueil = AgentFactory(role=Role.ACCUEIL, sites=[site])
    hs.modifier_sante(
        agent=AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site]),
        habitant=parent,
        taux_incapacite=80,
        reconnaissance_mdph=True,
    )
    client.force_login(accueil)
    assert client.get(url("dossier", f.pk)).status_code == 403
    for nom in ("ajouter_ressource", "sante", "situation_personnelle"):
        reponse = client.post(url(nom, f.pk, parent.pk), {"taux_incapacite": "10"})
        assert reponse.status_code == 403, nom
    fiche = client.get(reverse("habitants:fiche", args=[parent.pk])).content.decode()
    assert "incapacité" not in fiche
    assert "Ressource" not in fiche
    assert "Loyer" not in fiche


def test_foyer_d_un_autre_site_404_en_lecture_et_en_ecriture(client, famille, referentiels):
    f, parent, _ = famille
    ailleurs = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[SiteFactory(code="loin")])
    client.force_login(ailleurs)
    assert client.get(url("dossier", f.pk)).status_code == 404
    assert client.post(url("modifier_logement", f.pk), {}).status_code == 404
    assert client.post(url("ajouter_ressource", f.pk, parent.pk), {}).status_code == 404
    accueil_ailleurs = AgentFactory(role=Role.ACCUEIL, sites=[SiteFactory(code="loin2")])
    client.force_login(accueil_ailleurs)
    assert client.get(reverse("habitants:fiche", args=[parent.pk])).status_code == 404
    assert client.post(reverse("habitants:coordonnees", args=[parent.pk]), {}).status_code == 404


def test_une_personne_d_un_autre_foyer_ne_se_modifie_pas_par_ce_dossier(client, ts, famille):
    f, _, _ = famille
    autre = habitant(ts, nom_usage="Autre")
    client.force_login(ts)
    reponse = client.post(
        url("rectifier_identite", f.pk, autre.pk), {"nom_usage": "X", "prenoms": "Y"}
    )
    assert reponse.status_code == 404


@pytest.mark.parametrize("n", [2, 12])
def test_nombre_de_requetes_du_dossier_constant(client, ts, n, snapshot_requetes):
    f = foyer(ts)
    for i in range(n):
        h = habitant(ts, prenoms=f"P{i}", date_naissance=date(1990, 1, 1 + i))
        hs.ajouter_membre(
            agent=ts,
            foyer=f,
            habitant=h,
            role="demandeur" if i == 0 else "autre_adulte",
            date_debut=date(2020, 1, 1),
        )
        for j in range(3):
            hs.ajouter_ressource(
                agent=ts,
                habitant=h,
                type="salaire_net",
                montant_mensuel=Decimal(100 + j),
                date_debut=date(2024, 1 + j, 1),
            )
        hs.modifier_sante(agent=ts, habitant=h, taux_incapacite=10, reconnaissance_mdph=False)
    client.force_login(ts)
    # session, agent, foyer, mes accompagnements du foyer, journal (insertion), sites de
    # l'agent, accompagnements, prestations, signalements, simulation, membres, ressources,
    # santé, loyers, situations conjugales, passages, changements de statut, interventions,
    # orientations, faits (journal), menu, demandes de partage du foyer
    # +2 : les pièces du dossier et les personnes proposées à leur dépôt ; +1 : les demandes
    # d'aide du foyer.
    with snapshot_requetes():
        reponse = client.get(url("dossier", f.pk))
    assert reponse.content.decode().count('aria-labelledby="titre-personne-') == n


# --- La fiche de la personne (accueil) ------------------------------------------------------


def test_accueil_cree_le_foyer_de_la_personne(client, site):
    accueil = AgentFactory(role=Role.ACCUEIL, sites=[site])
    h = habitant(accueil, date_naissance=date(1990, 2, 3))
    client.force_login(accueil)
    fiche = reverse("habitants:fiche", args=[h.pk])
    assert "Créer son foyer" in client.get(fiche).content.decode()
    donnees = {
        "adresse": "5 rue Lesdiguières",
        "code_postal": "38000",
        "commune": "",
        "statut_occupation": "",
        "date_debut": "2025-01-01",
    }
    reponse = client.post(reverse("habitants:creer_foyer", args=[h.pk]), donnees)
    assert reponse.status_code == 422
    assert "Ce champ est obligatoire." in reponse.content.decode()
    donnees["statut_occupation"] = "locataire_parc_prive"
    reponse = client.post(reverse("habitants:creer_foyer", args=[h.pk]), donnees)
    assert reponse.status_code == 302
    f = Foyer.objects.get(membres__habitant=h)
    assert (f.commune, f.code_insee, f.site) == ("Grenoble", "38185", site)
    page = client.get(fiche).content.decode()
    assert "5 rue Lesdiguières" in page
    assert "Modifier l'adresse du foyer" in page


def test_accueil_rattache_la_personne_a_un_foyer_de_son_site(client, site, famille):
    f, parent, _ = famille
    accueil = AgentFactory(role=Role.ACCUEIL, sites=[site])
    h = habitant(accueil, nom_usage="Nouvelle", date_naissance=date(1992, 2, 3))
    client.force_login(accueil)
    page = client.get(
        reverse("habitants:fiche", args=[h.pk]), {"foyer": parent.nom_usage}
    ).content.decode()
    assert "12 rue Mallifaud" in page
    reponse = client.post(
        reverse("habitants:rattacher", args=[h.pk]),
        {"foyer": f.pk, "role": "autre_adulte", "date_debut": "2025-05-01"},
    )
    assert reponse.status_code == 302
    assert MembreFoyer.objects.get(habitant=h, date_fin__isnull=True).foyer == f
    # Un foyer d'un autre site ne se choisit pas.
    loin = foyer(AgentFactory(role=Role.ACCUEIL, sites=[SiteFactory(code="loin3")]))
    h2 = habitant(accueil, nom_usage="Autre", date_naissance=date(1993, 2, 3))
    reponse = client.post(
        reverse("habitants:rattacher", args=[h2.pk]),
        {"foyer": loin.pk, "role": "demandeur", "date_debut": "2025-05-01"},
    )
    assert reponse.status_code == 422
    assert "Ce foyer est introuvable parmi ceux de vos sites." in reponse.content.decode()


def test_accueil_corrige_les_coordonnees(client, site):
    accueil = AgentFactory(role=Role.ACCUEIL, sites=[site])
    h = habitant(accueil)
    client.force_login(accueil)
    url_c = reverse("habitants:coordonnees", args=[h.pk])
    reponse = client.post(url_c, {"telephone": "12", "courriel": "", "adresse_contact": ""})
    assert reponse.status_code == 422
    reponse = client.post(
        url_c, {"telephone": "06 11 22 33 44", "courriel": "a@b.fr", "adresse_contact": ""}
    )
    assert reponse.status_code == 302
    h.refresh_from_db()
    assert h.telephone == "06 11 22 33 44"


def test_le_foyer_a_une_date_passee(client, ts, famille):
    f, parent, enfant = famille
    hs.ajouter_ressource(
        agent=ts,
        habitant=enfant,
        type="autre",
        libelle="Bourse",
        montant_mensuel=Decimal("100"),
        date_debut=date(2022, 1, 1),
        date_fin=date(2022, 12, 31),
    )
    hs.ajouter_ressource(
        agent=ts,
        habitant=parent,
        type="salaire_net",
        montant_mensuel=Decimal("1500"),
        date_debut=date(2023, 1, 1),
    )
    hs.terminer_appartenance(
        agent=ts, membre=MembreFoyer.objects.get(habitant=enfant), date_fin=date(2024, 6, 30)
    )
    client.force_login(ts)
    page = client.get(url("dossier", f.pk), {"au": "2022-06-01"}).content.decode()
    assert "Le 01/06/2022, le foyer comptait 2 personnes" in page
    assert "Autres ressources (Bourse) : 100,00\u00a0€" in page
    assert "Salaire net : 1\u202f500,00" not in page
    page = client.get(url("dossier", f.pk), {"au": "2025-01-01"}).content.decode()
    assert "Le 01/01/2025, le foyer comptait 1 personne ;" in page
    assert "Salaire net : 1\u202f500,00\u00a0€" in page
    page = client.get(url("dossier", f.pk), {"au": "2025-13-45"}).content.decode()
    assert 'id="erreur-foyer-au"' in page
    assert "Saisissez une date valide." in page
    page = client.get(url("dossier", f.pk), {"au": "0001-01-01"}).content.decode()
    assert "Date invraisemblable : avant le 01/01/1900." in page


def test_nouvelle_personne_qui_ressemble_a_une_personne_connue(client, ts, famille):
    f, parent, _ = famille
    client.force_login(ts)
    donnees = {
        "nom_usage": parent.nom_usage,
        "prenoms": parent.prenoms,
        "date_naissance": "",
        "role": "autre_adulte",
        "date_debut": "2025-01-01",
    }
    reponse = client.post(url("ajouter_nouveau_membre", f.pk), donnees, **HTMX)
    texte = reponse.content.decode()
    assert "Vérifiez qu&#x27;il ne s&#x27;agit pas de" in texte
    assert Habitant.objects.filter(prenoms=parent.prenoms).count() == 1
    donnees["confirmer_nouveau"] = "on"
    reponse = client.post(url("ajouter_nouveau_membre", f.pk), donnees, **HTMX)
    assert "Personne inscrite et ajoutée au foyer." in reponse.content.decode()
    assert Habitant.objects.filter(prenoms=parent.prenoms).count() == 2


def test_un_formulaire_renvoye_n_ecrit_qu_une_fois(client, ts, famille):
    f, parent, _ = famille
    client.force_login(ts)
    donnees = {
        "type": "retraite",
        "montant_mensuel": "900",
        "date_debut": "2025-01-01",
        "jeton": "6f1c1f0e-8a4b-4d5e-9a66-3c2b1a0f9e77",
    }
    client.post(url("ajouter_ressource", f.pk, parent.pk), donnees, **HTMX)
    reponse = client.post(url("ajouter_ressource", f.pk, parent.pk), donnees, **HTMX)
    assert "il ne l&#x27;a pas été une seconde fois" in reponse.content.decode()
    assert Ressource.objects.filter(habitant=parent).count() == 1


def test_co_intervenant_d_un_autre_site_sans_partage_n_a_pas_acces(
    client, ts, famille, referentiels
):
    """L'accès suit les sites de l'agent (ADR 0025) : intervenir ne suffit pas, il faut que
    le foyer soit partagé avec l'un de ses sites."""
    from tests.accompagnement.conftest import ouvrir

    f, parent, _ = famille
    collegue = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[SiteFactory(code="voisin")])
    ouvrir(ts, famille, co_intervenants=[collegue])
    client.force_login(collegue)
    assert client.get(url("dossier", f.pk)).status_code == 404
    donnees = {"type": "retraite", "montant_mensuel": "900", "date_debut": "2025-01-01"}
    assert client.post(url("ajouter_ressource", f.pk, parent.pk), donnees).status_code == 404
    assert not Ressource.objects.exists()


def test_nouveau_loyer_date_puis_correction(client, ts, famille):
    """La section logement : un nouveau loyer à une date (htmx), l'historique montré, une
    période corrigée sans JavaScript ; une erreur revient sous son champ."""
    from habitants.models import PeriodeLoyer

    f, _, _ = famille
    client.force_login(ts)
    donnees = {"loyer_mensuel": "600", "charges_mensuelles": "45,50", "date_debut": "2023-01-01"}
    assert client.post(url("enregistrer_loyer", f.pk), donnees, **HTMX).status_code == 200
    donnees = {"loyer_mensuel": "640", "charges_mensuelles": "45,50", "date_debut": "2024-09-01"}
    reponse = client.post(url("enregistrer_loyer", f.pk), donnees, **HTMX)
    texte = reponse.content.decode()
    assert "Nouveau loyer enregistré." in texte
    assert 'id="historique-loyer"' in texte
    assert "depuis le 01/01/2023 jusqu'au 31/08/2024" in texte
    assert "Nouveau loyer du foyer (le précédent clos le 31/08/2024)" in texte  # chronologie
    ancien, actuel = PeriodeLoyer.objects.filter(foyer=f).order_by("date_debut")
    assert (ancien.date_fin, actuel.loyer_mensuel) == (date(2024, 8, 31), Decimal("640"))
    # Un nouveau loyer qui ne suit pas le dernier : refusé sous le champ, rien d'écrit.
    reponse = client.post(
        url("enregistrer_loyer", f.pk),
        {"loyer_mensuel": "700", "date_debut": "2024-01-01"},
    )
    assert reponse.status_code == 422
    assert "Le loyer le plus récent court depuis le 01/09/2024" in reponse.content.decode()
    # Corriger l'ancien loyer, sans JavaScript.
    reponse = client.post(
        url("corriger_loyer", f.pk, ancien.pk),
        {
            "loyer_mensuel": "604",
            "charges_mensuelles": "45,50",
            "date_debut": "2023-01-01",
            "date_fin": "2024-08-31",
        },
    )
    assert reponse.status_code == 302
    ancien.refresh_from_db()
    assert ancien.loyer_mensuel == Decimal("604")
    assert PeriodeLoyer.objects.filter(foyer=f).count() == 2
    # Une période d'un autre foyer : 404.
    autre = foyer(ts)
    assert client.post(url("corriger_loyer", autre.pk, ancien.pk), {}).status_code == 404


def test_situation_conjugale_datee_et_historique(client, ts, famille):
    from habitants.models import SituationConjugale

    f, parent, _ = famille
    client.force_login(ts)
    for statut, depuis in (("concubinage", "2012-04-01"), ("marie", "2016-07-09")):
        reponse = client.post(
            url("situation_personnelle", f.pk, parent.pk),
            {"statut_marital": statut, "statut_marital_depuis": depuis, "activite": "salarie"},
            **HTMX,
        )
        assert "Situation enregistrée." in reponse.content.decode()
    texte = reponse.content.decode()
    assert "Marié(e) depuis le 09/07/2016" in texte
    assert "Avant : en concubinage (vie maritale) du 01/04/2012 au 08/07/2016" in texte
    premiere = SituationConjugale.objects.get(habitant=parent, statut="concubinage")
    reponse = client.post(
        url("corriger_situation_conjugale", f.pk, premiere.pk),
        {"statut": "pacse", "date_debut": "2012-04-01"},
        **HTMX,
    )
    assert "Situation conjugale corrigée." in reponse.content.decode()
    premiere.refresh_from_db()
    assert premiere.statut == "pacse"
    # Une nouvelle situation sans sa date : l'erreur sous le champ « Depuis le ».
    reponse = client.post(
        url("situation_personnelle", f.pk, parent.pk),
        {"statut_marital": "divorce", "activite": "salarie"},
    )
    assert reponse.status_code == 422
    assert "Indiquez depuis quand dure cette situation." in reponse.content.decode()
    assert SituationConjugale.objects.filter(habitant=parent).count() == 2


def test_le_foyer_a_une_date_montre_loyer_et_situation_d_alors(client, ts, famille):
    from habitants import historique

    f, parent, _ = famille
    for montant, debut in (("600", date(2023, 1, 1)), ("640", date(2024, 9, 1))):
        historique.enregistrer_loyer(
            agent=ts,
            foyer=f,
            loyer_mensuel=Decimal(montant),
            charges_mensuelles=Decimal("40"),
            date_debut=debut,
        )
    for statut, debut in (("concubinage", date(2012, 4, 1)), ("marie", date(2024, 7, 9))):
        historique.enregistrer_situation_conjugale(
            agent=ts, habitant=parent, statut=statut, date_debut=debut
        )
    client.force_login(ts)
    page = client.get(url("dossier", f.pk), {"au": "2024-06-30"}).content.decode()
    assert "loyer : <strong>600,00" in page
    assert "En concubinage (vie maritale) depuis le 01/04/2012" in page
    page = client.get(url("dossier", f.pk), {"au": "2024-09-01"}).content.decode()
    assert "loyer : <strong>640,00" in page
    assert "Marié(e) depuis le 09/07/2024" in page
    page = client.get(url("dossier", f.pk), {"au": "2022-06-01"}).content.decode()
    assert "loyer : aucun connu" in page
