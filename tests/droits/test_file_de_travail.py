"""La file de travail des signalements : ce que chaque droit apporte et l'ordre de la file,
l'accord pour être contacté, l'attribution, « droit ouvert » en un geste et la prestation
saisie au dossier qui fait avancer le signalement ; vues, filtres, permissions."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accompagnement import services as accompagnements
from ccas_portal.models import EntreeJournal
from droits import services
from droits.file_de_travail import file_de_travail
from droits.models import ChangementSignalement, Prestation, PrestationFoyer, Signalement
from habitants.services import ajouter_membre, enregistrer_information
from tests.factories import AgentFactory, SiteFactory, foyer, habitant

pytestmark = pytest.mark.django_db
LISTE = reverse("droits:signalements")


@pytest.fixture
def site(referentiels):
    return SiteFactory(code="mdh-file", nom="MdH File")


@pytest.fixture
def ts(site):
    return AgentFactory(role="travailleur_social", sites=[site], prenom="Inès", nom="Référente")


@pytest.fixture
def collegue(site):
    return AgentFactory(role="travailleur_social", sites=[site], prenom="Paul", nom="Collègue")


@pytest.fixture
def famille(ts):
    """Un foyer (Amina, demandeuse, et ses deux enfants) suivi par `ts` sur l'axe existence."""
    f = foyer(ts)
    amina = habitant(ts, nom_usage="Benali", prenoms="Amina", date_naissance=date(1985, 4, 2))
    ajouter_membre(agent=ts, foyer=f, habitant=amina, role="demandeur", date_debut=date(2020, 1, 1))
    accompagnements.ouvrir_accompagnement(
        agent=ts, foyer=f, axe="existence", membres=[amina], date_ouverture=date(2026, 1, 5)
    )
    return f, amina


def signaler(f, code, montant, personnes=3, **champs):
    return Signalement.objects.create(
        foyer=f,
        prestation_id=code,
        montant_estime=Decimal(montant),
        empreinte="e",
        explication={"mois": "10/2026", "personnes": personnes, "ages": []},
        **champs,
    )


def consentir(ts, personne, accord, le=date(2026, 3, 1)):
    """accord : True (accepté), False (refusé), None (question jamais posée : rien n'est écrit)."""
    if accord is None:
        return
    enregistrer_information(
        agent=ts,
        habitant=personne,
        date_information=le,
        consentement="accepte" if accord else "refuse",
    )


# --- Ce que le droit apporte, l'ordre de la file -------------------------------------------


def test_la_css_est_une_couverture_rangee_par_sa_valeur_moins_la_participation(ts, famille):
    f, _ = famille
    rsa = signaler(f, "rsa", "300")
    css = signaler(f, "css_gratuite", "0")  # 3 personnes : 416 × 3 / 12 = 104 € par mois
    logement = signaler(f, "aide_logement", "50")
    autre = foyer(ts, adresse="3 rue Très-Cloîtres")
    participation = signaler(autre, "css_participation", "20", personnes=1)  # 34,67 − 20
    file = list(file_de_travail(ts))
    assert [s.pk for s in file] == [rsa.pk, css.pk, logement.pk, participation.pk]
    assert [s.apport_mensuel for s in file] == [
        Decimal("300"),
        Decimal("104"),
        Decimal("50"),
        Decimal("14.67"),
    ]
    assert file[0].apport() == "300,00\u00a0€ par mois"
    assert file[1].apport() == (
        "couverture de 3 personnes (valeur 104,00\u00a0€ par mois), sans participation"
    )
    assert file[3].apport() == (
        "couverture de 1 personne (valeur 34,67\u00a0€ par mois), participation 20,00\u00a0€ par mois"
    )


def test_le_catalogue_dit_ce_que_chaque_droit_apporte(referentiels):
    formes = dict(Prestation.objects.values_list("code", "forme"))
    assert formes["css_gratuite"] == formes["css_participation"] == "couverture"
    assert formes["rsa"] == formes["aide_logement"] == "versement"
    css = Prestation.objects.get(code="css_gratuite")
    assert css.valeur_couverture_annuelle == Decimal("416")


# --- « Personne contactée » et l'accord pour être contacté --------------------------------


@pytest.mark.parametrize(
    ("accord", "message"),
    [
        (None, "n'a pas été recueilli à l'accueil"),
        (False, "a refusé d'être contacté(e) au sujet de droits repérés (réponse du 01/03/2026)"),
    ],
)
def test_contacte_refuse_sans_accord(ts, famille, accord, message):
    f, amina = famille
    consentir(ts, amina, accord)
    s = signaler(f, "rsa", "300")
    with pytest.raises(ValidationError) as erreur:
        services.changer_etat_signalement(agent=ts, signalement=s, etat="contacte")
    assert message in erreur.value.message_dict["etat"][0]
    assert "venue d'elle-même" in erreur.value.message_dict["etat"][0]
    s.refresh_from_db()
    assert s.etat == "nouveau"
    assert not ChangementSignalement.objects.exists()


def test_contacte_permis_avec_accord_ou_si_la_personne_est_venue(ts, famille):
    f, amina = famille
    s = signaler(f, "rsa", "300")
    services.changer_etat_signalement(
        agent=ts, signalement=s, etat="contacte", venue_d_elle_meme=True
    )
    c = ChangementSignalement.objects.get()
    assert (c.nouveau, c.venue_d_elle_meme) == ("contacte", True)
    assert EntreeJournal.objects.filter(
        objet_id=str(s.pk), details__venue_d_elle_meme=True
    ).exists()
    consentir(ts, amina, True)
    t = signaler(f, "aide_logement", "50")
    services.changer_etat_signalement(agent=ts, signalement=t, etat="contacte")
    assert Signalement.objects.get(pk=t.pk).etat == "contacte"


def test_un_accord_retire_ferme_de_nouveau_le_contact(ts, famille):
    f, amina = famille
    consentir(ts, amina, True, le=date(2026, 3, 1))
    consentir(ts, amina, False, le=date(2026, 4, 2))
    s = signaler(f, "rsa", "300")
    with pytest.raises(ValidationError, match="réponse du 02/04/2026"):
        services.changer_etat_signalement(agent=ts, signalement=s, etat="contacte")


def test_un_foyer_sans_demandeur_ne_peut_etre_dit_contacte_que_venu(ts):
    f = foyer(ts)
    s = signaler(f, "rsa", "300")
    with pytest.raises(ValidationError, match="pas de demandeur"):
        services.changer_etat_signalement(agent=ts, signalement=s, etat="contacte")


# --- « Droit ouvert » en un geste, et la prestation saisie au dossier ----------------------


def test_droit_ouvert_demande_montant_et_date_puis_enregistre_la_prestation_percue(ts, famille):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    with pytest.raises(ValidationError) as erreur:
        services.changer_etat_signalement(agent=ts, signalement=s, etat="droit_ouvert")
    assert set(erreur.value.message_dict) == {"montant_accorde", "date_debut"}
    debut = timezone.localdate().replace(day=1)
    services.changer_etat_signalement(
        agent=ts,
        signalement=s,
        etat="droit_ouvert",
        montant_accorde=Decimal("280.50"),
        date_debut=debut,
        commentaire="Notification CAF",
    )
    s.refresh_from_db()
    p = PrestationFoyer.objects.get()
    assert (p.prestation_id, p.statut, p.montant_mensuel, p.date_debut, p.saisi_par) == (
        "rsa",
        "percue",
        Decimal("280.50"),
        debut,
        ts,
    )
    assert (s.etat, s.prestation_foyer) == ("droit_ouvert", p)
    c = s.changements.get()
    assert (c.ancien, c.nouveau, c.agent, c.commentaire) == (
        "nouveau",
        "droit_ouvert",
        ts,
        "Notification CAF",
    )
    assert EntreeJournal.objects.filter(objet_type="droits.signalement", objet_id=str(s.pk))
    assert EntreeJournal.objects.filter(objet_type="droits.prestationfoyer", objet_id=str(p.pk))


def test_droit_ouvert_refuse_n_ecrit_rien(ts, famille):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    with pytest.raises(ValidationError):
        services.changer_etat_signalement(
            agent=ts,
            signalement=s,
            etat="droit_ouvert",
            montant_accorde=Decimal("280"),
            date_debut=date(1890, 1, 1),  # invraisemblable : refusée par le service
        )
    s.refresh_from_db()
    assert s.etat == "nouveau"
    assert not PrestationFoyer.objects.exists()
    assert not ChangementSignalement.objects.exists()


def test_demande_deposee_puis_droit_ouvert_une_seule_prestation(ts, famille):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    services.changer_etat_signalement(agent=ts, signalement=s, etat="demande_deposee")
    demande = PrestationFoyer.objects.get()
    assert (demande.statut, demande.date_demande) == ("demandee", timezone.localdate())
    services.changer_etat_signalement(
        agent=ts,
        signalement=s,
        etat="droit_ouvert",
        montant_accorde=Decimal("250"),
        date_debut=timezone.localdate(),
    )
    percue = PrestationFoyer.objects.get()  # la même, devenue perçue
    assert percue.pk == demande.pk
    assert (percue.statut, percue.date_demande, percue.montant_mensuel) == (
        "percue",
        timezone.localdate(),
        Decimal("250"),
    )


def test_une_prestation_saisie_au_dossier_fait_avancer_le_signalement(ts, famille):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    rsa = Prestation.objects.get(code="rsa")
    demande = services.enregistrer_prestation(
        agent=ts, foyer=f, prestation=rsa, statut="demandee", source="declaration"
    )
    s.refresh_from_db()
    assert (s.etat, s.prestation_foyer_id) == ("demande_deposee", demande.pk)
    services.enregistrer_prestation(
        agent=ts,
        foyer=f,
        prestation=rsa,
        statut="percue",
        source="organisme",
        date_debut=date(2026, 2, 1),
        montant_mensuel=Decimal("310"),
        existante=demande,
    )
    s.refresh_from_db()
    assert s.etat == "droit_ouvert"
    assert list(s.changements.values_list("nouveau", "commentaire")) == [
        ("demande_deposee", "Prestation enregistrée au dossier du foyer (demandée)."),
        ("droit_ouvert", "Prestation enregistrée au dossier du foyer (perçue)."),
    ]
    # Une prestation refusée ne touche pas au signalement d'une autre prestation.
    autre = signaler(f, "aide_logement", "50")
    services.enregistrer_prestation(
        agent=ts,
        foyer=f,
        prestation=Prestation.objects.get(code="aide_logement"),
        statut="refusee",
        source="organisme",
    )
    assert Signalement.objects.get(pk=autre.pk).etat == "nouveau"


# --- Attribution ----------------------------------------------------------------------------


def test_le_referent_du_foyer_est_le_responsable_par_defaut(ts, collegue, famille):
    f, amina = famille
    rsa = signaler(f, "rsa", "300")
    logement = signaler(f, "aide_logement", "50")
    sans_suivi = signaler(foyer(ts, adresse="1 place Grenette"), "rsa", "200")
    # Un second accompagnement, plus récent, sur l'axe logement, par un collègue.
    accompagnements.ouvrir_accompagnement(
        agent=collegue, foyer=f, axe="logement", membres=[amina], date_ouverture=date(2026, 2, 1)
    )
    responsables = dict(file_de_travail(ts).values_list("pk", "responsable_id"))
    assert responsables[rsa.pk] == ts.pk  # l'accompagnement de l'axe de la prestation
    assert responsables[logement.pk] == collegue.pk
    assert responsables[sans_suivi.pk] is None


def test_attribuer_puis_rendre_au_referent(ts, collegue, famille, site):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    services.attribuer_signalement(agent=ts, signalement=s, attribue_a=collegue)
    assert file_de_travail(ts).get(pk=s.pk).responsable_id == collegue.pk
    for intrus in (
        AgentFactory(role="travailleur_social", sites=[SiteFactory(code="ailleurs")]),
        AgentFactory(role="accueil", sites=[site]),
    ):
        with pytest.raises(ValidationError, match="travailleur social du site"):
            services.attribuer_signalement(agent=ts, signalement=s, attribue_a=intrus)
    services.attribuer_signalement(agent=collegue, signalement=s, attribue_a=None)
    assert file_de_travail(ts).get(pk=s.pk).responsable_id == ts.pk
    assert EntreeJournal.objects.filter(
        objet_id=str(s.pk), details__attribue_a=[collegue.pk, None]
    ).exists()


def test_un_agent_d_un_autre_site_ne_touche_a_rien(ts, famille):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    ailleurs = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="ailleurs")])
    with pytest.raises(PermissionDenied):
        services.changer_etat_signalement(
            agent=ailleurs, signalement=s, etat="contacte", venue_d_elle_meme=True
        )
    with pytest.raises(PermissionDenied):
        services.attribuer_signalement(agent=ailleurs, signalement=s, attribue_a=ailleurs)
    assert not file_de_travail(ailleurs).exists()


# --- Vues -------------------------------------------------------------------------------------


def test_la_file_nomme_le_demandeur_son_accord_et_le_responsable(client, ts, famille):
    f, amina = famille
    consentir(ts, amina, True)
    signaler(f, "rsa", "300")
    client.force_login(ts)
    html = client.get(LISTE).content.decode()
    assert "BENALI Amina" in html
    assert "contact accepté" in html
    assert "Référente Inès" in html or "Inès Référente" in html
    assert "(référent)" in html
    assert "416,00\u00a0€ par an et par personne" in html  # l'aide dit la valeur documentée


def test_filtres_de_la_file(client, ts, collegue, famille, site):
    f, _ = famille
    rsa = signaler(f, "rsa", "300")
    signaler(f, "aide_logement", "50")
    autre_site = SiteFactory(code="mdh-deux", nom="MdH Deux")
    ts.sites.add(autre_site)
    ts = type(ts).objects.get(pk=ts.pk)  # ses sites sont relus
    loin = signaler(foyer(ts, site=autre_site, adresse="5 rue Lesdiguières"), "rsa", "120")
    client.force_login(ts)

    def trouves(**params):
        reponse = client.get(LISTE, params)
        assert reponse.status_code == 200
        return [s.pk for s in reponse.context["page"]]

    assert len(trouves()) == 3
    assert trouves(attribution="moi") == [
        rsa.pk,
        Signalement.objects.get(prestation="aide_logement").pk,
    ]
    assert trouves(attribution="personne") == [loin.pk]
    assert trouves(site=autre_site.pk) == [loin.pk]
    assert trouves(apport_min="100") == [rsa.pk, loin.pk]
    assert trouves(apport_min="100,5") == [rsa.pk, loin.pk]  # virgule française
    assert trouves(prestation="rsa", apport_min="200") == [rsa.pk]
    services.changer_etat_signalement(agent=ts, signalement=rsa, etat="non_eligible")
    assert rsa.pk not in trouves()
    assert trouves(etat="non_eligible") == [rsa.pk]


@pytest.mark.parametrize(
    ("parametres", "champ"),
    [
        ({"apport_min": "abc"}, "apport_min"),
        ({"apport_min": "-3"}, "apport_min"),
        ({"apport_min": "99999999999"}, "apport_min"),
        ({"attribution": "tous"}, "attribution"),
        ({"site": "999999"}, "site"),
        ({"etat": "ferme"}, "etat"),
    ],
)
def test_filtre_illisible_message_sans_erreur(client, ts, famille, parametres, champ):
    f, _ = famille
    signaler(f, "rsa", "300")
    client.force_login(ts)
    reponse = client.get(LISTE, parametres)
    assert reponse.status_code == 200
    assert reponse.context["filtre"].errors[champ]
    assert "invalid-feedback" in reponse.content.decode()


def test_un_site_qui_n_est_pas_le_sien_est_refuse_en_filtre(client, ts, famille):
    f, _ = famille
    signaler(f, "rsa", "300")
    ailleurs = SiteFactory(code="ailleurs")
    client.force_login(ts)
    reponse = client.get(LISTE, {"site": ailleurs.pk})
    assert reponse.context["filtre"].errors["site"]


def test_page_du_signalement_et_changement_d_etat_refuse_sous_le_champ(client, ts, famille):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    client.force_login(ts)
    page = client.get(reverse("droits:signalement", args=[s.pk]))
    assert page.status_code == 200
    reponse = client.post(reverse("droits:changer_etat", args=[s.pk]), {"etat": "contacte"})
    assert reponse.status_code == 422
    html = reponse.content.decode()
    champ = html[html.index('id="signalement-' + str(s.pk) + '-etat"') :]
    assert "n&#x27;a pas été recueilli à l&#x27;accueil" in champ[: champ.index("</div>") + 400]
    assert not ChangementSignalement.objects.exists()


def test_droit_ouvert_par_la_vue_puis_estime_et_accorde_au_dossier(client, ts, famille):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    client.force_login(ts)
    url = reverse("droits:changer_etat", args=[s.pk])
    reponse = client.post(url, {"etat": "droit_ouvert", "montant_accorde": "-1"})
    assert reponse.status_code == 422
    assert "supérieure ou égale à 0" in reponse.content.decode()
    reponse = client.post(
        url,
        {
            "etat": "droit_ouvert",
            "montant_accorde": "280,50",
            "date_debut": timezone.localdate().isoformat(),
        },
    )
    assert reponse.status_code == 302
    assert PrestationFoyer.objects.get().montant_mensuel == Decimal("280.50")
    html = client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    assert "estimé 300,00\u00a0€ / accordé 280,50\u00a0€ par mois" in html


def test_attribuer_par_la_vue(client, ts, collegue, famille):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    client.force_login(ts)
    url = reverse("droits:attribuer", args=[s.pk])
    assert client.post(url, {"attribue_a": collegue.pk}).status_code == 302
    assert Signalement.objects.get(pk=s.pk).attribue_a == collegue
    ailleurs = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="ailleurs")])
    reponse = client.post(url, {"attribue_a": ailleurs.pk})
    assert reponse.status_code == 422
    assert "Sélectionnez un choix valide" in reponse.content.decode()


@pytest.mark.parametrize("nom", ["signalement", "changer_etat", "attribuer"])
def test_un_signalement_d_un_autre_site_repond_404(client, famille, nom):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    client.force_login(
        AgentFactory(role="travailleur_social", sites=[SiteFactory(code="ailleurs")])
    )
    url = reverse(f"droits:{nom}", args=[s.pk])
    reponse = (
        client.get(url) if nom == "signalement" else client.post(url, {"etat": "refus_personne"})
    )
    assert reponse.status_code == 404


@pytest.mark.parametrize("role", ["accueil", "responsable"])
def test_l_accueil_et_le_responsable_n_ont_pas_acces(client, famille, site, role):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    client.force_login(AgentFactory(role=role, sites=[site]))
    assert client.get(LISTE).status_code == 403
    assert client.get(reverse("droits:signalement", args=[s.pk])).status_code == 403
    reponse = client.post(reverse("droits:changer_etat", args=[s.pk]), {"etat": "refus_personne"})
    assert reponse.status_code == 403
    assert Signalement.objects.get(pk=s.pk).etat == "nouveau"


def test_le_referent_voit_le_nouveau_signalement_dans_son_portefeuille(
    client, ts, collegue, famille
):
    f, _ = famille
    portefeuille = reverse("accompagnement:mes_accompagnements")
    client.force_login(ts)
    assert (
        "Aucun signalement ouvert ne vous est attribué" in client.get(portefeuille).content.decode()
    )
    s = signaler(f, "rsa", "300")  # créé par la détection après l'ouverture de l'accompagnement
    html = client.get(portefeuille).content.decode()
    assert "1 signalement à traiter" in html
    assert reverse("droits:signalement", args=[s.pk]) in html
    client.force_login(collegue)
    assert (
        reverse("droits:signalement", args=[s.pk]) not in client.get(portefeuille).content.decode()
    )


@pytest.mark.parametrize("n", [2, 30])
def test_nombre_de_requetes_de_la_file_constant(client, ts, famille, n, snapshot_requetes):
    for i in range(n):
        g = foyer(ts, adresse=f"{i} rue Abbé-Grégoire")
        personne = habitant(ts, nom_usage=f"Nom{i}", prenoms="Léa")
        ajouter_membre(
            agent=ts, foyer=g, habitant=personne, role="demandeur", date_debut=date(2020, 1, 1)
        )
        signaler(g, "rsa", str(100 + i))
    client.force_login(ts)
    # session, agent, sites de l'agent (périmètre), sites (filtre), prestations et axes (filtre),
    # page avec son total (une requête), demandeurs, responsables, journal des signalements
    # montrés (une insertion groupée), couvertures (aide)
    with snapshot_requetes():
        reponse = client.get(LISTE)
    assert len(reponse.context["page"]) == min(n, 25)


@pytest.mark.parametrize(
    ("accord", "badge"),
    [(True, "contact accepté"), (False, "contact refusé"), (None, "accord non recueilli")],
)
def test_la_page_du_signalement_dit_l_accord_du_demandeur(client, ts, famille, accord, badge):
    f, amina = famille
    consentir(ts, amina, accord)
    s = signaler(f, "rsa", "300")
    client.force_login(ts)
    html = client.get(reverse("droits:signalement", args=[s.pk])).content.decode()
    assert '<h1 class="h2">Revenu de solidarité active (RSA) — BENALI Amina</h1>' in html
    assert badge in html


def test_un_signalement_clos_ne_change_plus_et_le_dit(client, ts, famille):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    services.changer_etat_signalement(agent=ts, signalement=s, etat="non_eligible")
    client.force_login(ts)
    reponse = client.post(reverse("droits:changer_etat", args=[s.pk]), {"etat": "refus_personne"})
    assert reponse.status_code == 422
    assert "Ce signalement est clos : il ne change plus." in reponse.content.decode()
    assert Signalement.objects.get(pk=s.pk).etat == "non_eligible"


def test_un_co_intervenant_d_un_autre_site_n_a_ni_dossier_ni_signalement(client, ts, famille):
    """L'accès suit les sites de l'agent (ADR 0025) : sans partage du foyer avec son site, le
    co-intervenant d'un autre site n'ouvre ni le dossier ni le signalement."""
    f, amina = famille
    s = signaler(f, "rsa", "300")
    ailleurs = AgentFactory(role="travailleur_social", sites=[SiteFactory(code="ailleurs")])
    accompagnements.ouvrir_accompagnement(
        agent=ts,
        foyer=f,
        axe="logement",
        membres=[amina],
        date_ouverture=date(2026, 2, 1),
        co_intervenants=[ailleurs],
    )
    client.force_login(ailleurs)
    assert client.get(reverse("accompagnement:dossier", args=[f.pk])).status_code == 404
    assert client.get(reverse("droits:signalement", args=[s.pk])).status_code == 404


def test_une_demande_deposee_se_lit_au_dossier_sans_montant(client, ts, famille):
    f, _ = famille
    s = signaler(f, "rsa", "300")
    services.changer_etat_signalement(agent=ts, signalement=s, etat="demande_deposee")
    client.force_login(ts)
    html = client.get(reverse("accompagnement:dossier", args=[f.pk])).content.decode()
    jour = timezone.localdate().strftime("%d/%m/%Y")
    assert f"estimé 300,00\u00a0€ par mois / demandée le {jour}, montant pas encore connu" in html
