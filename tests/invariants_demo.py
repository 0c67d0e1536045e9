"""Ce que les données de démonstration doivent respecter pour être crédibles : vérifié sur
toutes les données en base (tests de `habitants.demo`, `accompagnement.demo`, `droits.demo` et
de la commande `demo_data`)."""

from collections import Counter, defaultdict
from datetime import date, timedelta
from itertools import pairwise

from django.db.models import Q
from django.utils import timezone

from accompagnement.models import (
    Accompagnement,
    ActionCollective,
    Intervention,
    Seance,
)
from habitants.models import (
    Foyer,
    Habitant,
    MembreFoyer,
    Passage,
    PeriodeLoyer,
    Ressource,
    SituationConjugale,
)

#: Écart d'âge au plus entre les deux membres d'un couple (années).
ECART_COUPLE = 15
#: Un parent a au moins tant d'années de plus que ses enfants.
ECART_PARENT = 16
MOTIFS_AGES = {"isolement", "aide_domicile", "logement_adapte", "aspa"}
MOTIFS_PARENTS = {"mode_accueil", "prestations_familiales", "parentalite"}
#: Treize mois d'activité au moins : une période se compare à la même période un an avant.
MOIS_ACTIVITE = 13


def age(naissance: date, jour: date) -> int:
    return jour.year - naissance.year - ((jour.month, jour.day) < (naissance.month, naissance.day))


def majeur_le(naissance: date) -> date:
    try:
        return naissance.replace(year=naissance.year + 18)
    except ValueError:
        return date(naissance.year + 18, 3, 1)


def mois_avant(jour: date, n: int) -> date:
    """Le premier jour du mois, `n` mois avant celui de `jour`."""
    total = jour.year * 12 + jour.month - 1 - n
    return date(total // 12, total % 12 + 1, 1)


def _foyers():
    """{foyer_id: [(rôle, naissance, arrivée)]} des membres actuels."""
    foyers = defaultdict(list)
    for foyer_id, role, naissance, debut in MembreFoyer.objects.filter(
        date_fin__isnull=True
    ).values_list("foyer_id", "role", "habitant__date_naissance", "date_debut"):
        foyers[foyer_id].append((role, naissance, debut))
    return foyers


def verifier_compositions():
    """Âges et rôles : couples d'âges proches formés quand les deux étaient majeurs, enfants
    plus jeunes que leurs parents d'au moins 16 ans, arrivées après la naissance."""
    aujourd_hui = timezone.localdate()
    foyers = _foyers()
    assert foyers
    couples = 0
    for foyer_id, membres in foyers.items():
        roles = Counter(role for role, _, _ in membres)
        assert roles["demandeur"] == 1, foyer_id
        assert roles["conjoint"] <= 1, foyer_id
        parents = [(r, n, d) for r, n, d in membres if r in ("demandeur", "conjoint")]
        for role, naissance, debut in membres:
            assert naissance <= debut <= aujourd_hui, (foyer_id, role, naissance, debut)
            if role in ("demandeur", "conjoint", "autre_adulte"):
                assert age(naissance, aujourd_hui) >= 18, (foyer_id, role, naissance)
            if role in ("enfant", "autre_adulte"):
                for _, naissance_parent, _ in parents:
                    ecart = naissance.year - naissance_parent.year
                    assert ecart >= ECART_PARENT, (foyer_id, role, naissance, naissance_parent)
            if role == "enfant":
                assert age(naissance, aujourd_hui) < 18, (foyer_id, naissance)
        if len(parents) == 2:
            couples += 1
            (_, n1, d1), (_, n2, d2) = parents
            assert abs(n1.year - n2.year) <= ECART_COUPLE, (foyer_id, n1, n2)
            # La vie commune commence quand les deux sont majeurs.
            for debut in (d1, d2):
                assert debut >= max(majeur_le(n1), majeur_le(n2)), (foyer_id, n1, n2, debut)
    assert couples


def verifier_information_rgpd():
    """La plupart des adultes ont reçu l'information sur leurs données à leur inscription
    (datée après leur majorité, par l'agent qui les a inscrits), aucun enfant ; le
    consentement au contact est daté du même jour."""
    aujourd_hui = timezone.localdate()
    adultes = informes = 0
    for (
        naissance,
        informe_le,
        informe_par,
        cree_par,
        consentement,
        consenti_le,
        role,
    ) in Habitant.objects.filter(appartenances__date_fin__isnull=True).values_list(
        "date_naissance",
        "date_information",
        "informe_par",
        "cree_par",
        "consentement",
        "date_consentement",
        "appartenances__role",
    ):
        assert cree_par is not None
        if role == "enfant":
            assert informe_le is None
            continue
        adultes += 1
        if informe_le is None:
            assert consentement == "non_demande"
            continue
        informes += 1
        assert majeur_le(naissance) <= informe_le <= aujourd_hui
        assert informe_par == cree_par
        assert (consentement == "non_demande") == (consenti_le is None)
        assert consenti_le in (None, informe_le)
    assert 0.7 * adultes <= informes < adultes


def verifier_ressources():
    """Des ressources perçues depuis la majorité, jamais dans le futur, sans enfant salarié."""
    aujourd_hui = timezone.localdate()
    roles = dict(
        MembreFoyer.objects.filter(date_fin__isnull=True).values_list("habitant_id", "role")
    )
    ressources = list(
        Ressource.objects.values_list(
            "habitant_id", "habitant__date_naissance", "date_debut", "date_fin"
        )
    )
    assert ressources
    for habitant_id, naissance, debut, fin in ressources:
        assert roles[habitant_id] != "enfant", habitant_id
        assert majeur_le(naissance) <= debut <= aujourd_hui, (habitant_id, naissance, debut)
        assert fin is None or debut <= fin <= aujourd_hui, (habitant_id, debut, fin)


def verifier_historiques():
    """Loyer : seuls les locataires en ont un, depuis leur arrivée, périodes qui se suivent
    sans trou ni chevauchement, la dernière en cours, jamais dans le futur ; certains ont
    changé. Situation conjugale : des adultes seulement, depuis leur majorité, jamais dans le
    futur ; les deux membres d'un couple ont la même ; certaines ont changé."""
    aujourd_hui = timezone.localdate()
    arrivees = dict(
        MembreFoyer.objects.filter(date_fin__isnull=True, role="demandeur").values_list(
            "foyer_id", "date_debut"
        )
    )
    statuts = dict(Foyer.objects.values_list("pk", "statut_occupation"))
    periodes = defaultdict(list)
    for foyer_id, debut, fin in PeriodeLoyer.objects.order_by("date_debut").values_list(
        "foyer_id", "date_debut", "date_fin"
    ):
        periodes[foyer_id].append((debut, fin))
    assert periodes
    locataires = {"locataire_parc_social", "locataire_parc_prive"}
    for foyer_id, liste in periodes.items():
        assert statuts[foyer_id] in locataires, foyer_id
        assert liste[0][0] == arrivees[foyer_id], foyer_id
        assert liste[-1][1] is None, foyer_id
        assert liste[-1][0] <= aujourd_hui, foyer_id
        for (debut, fin), (suivant, _) in pairwise(liste):
            assert fin == suivant - timedelta(days=1), foyer_id
            assert debut <= fin, foyer_id
    assert any(len(liste) > 1 for liste in periodes.values())
    assert sum(1 for f, s in statuts.items() if s in locataires and f not in periodes) == 0
    roles = dict(
        MembreFoyer.objects.filter(date_fin__isnull=True).values_list("habitant_id", "role")
    )
    par_personne = defaultdict(list)
    for habitant_id, naissance, statut, debut in SituationConjugale.objects.order_by(
        "date_debut"
    ).values_list("habitant_id", "habitant__date_naissance", "statut", "date_debut"):
        assert roles[habitant_id] != "enfant", habitant_id
        assert majeur_le(naissance) <= debut <= aujourd_hui, (habitant_id, naissance, debut)
        par_personne[habitant_id].append(statut)
    assert par_personne
    assert any(len(liste) > 1 for liste in par_personne.values())
    couples = defaultdict(dict)
    for foyer_id, habitant_id, role in MembreFoyer.objects.filter(
        date_fin__isnull=True, role__in=["demandeur", "conjoint"]
    ).values_list("foyer_id", "habitant_id", "role"):
        couples[foyer_id][role] = par_personne.get(habitant_id)
    for foyer_id, couple in couples.items():
        if "conjoint" in couple:
            assert couple["demandeur"] == couple["conjoint"], foyer_id


def verifier_adresses():
    """Chaque foyer habite la commune de son site (un quartier de Grenoble pour une Maison des
    Habitants de Grenoble), avec un code postal de cette commune ; une personne sans domicile
    est domiciliée à sa Maison des Habitants."""
    foyers = list(Foyer.objects.select_related("site"))
    assert foyers
    for foyer in foyers:
        assert foyer.site.type == "maison_des_habitants"
        assert foyer.code_insee == foyer.site.code_insee, (foyer.pk, foyer.commune, foyer.site)
        assert foyer.commune == foyer.site.commune, (foyer.pk, foyer.commune, foyer.site)
        if foyer.statut_occupation == "sans_domicile":
            # Domicilié à sa Maison des Habitants.
            assert foyer.adresse == foyer.site.adresse, foyer.pk
            assert "Domiciliation" in foyer.complement_adresse
        if foyer.site.code_insee == "38185":
            assert foyer.code_postal in ("38000", "38100"), foyer.code_postal
            assert foyer.quartier, foyer.pk


def verifier_passages():
    """À l'accueil, une personne majeure le jour du passage, venue pour des motifs de son âge
    et de sa situation."""
    foyer_de = dict(
        MembreFoyer.objects.filter(date_fin__isnull=True).values_list("habitant_id", "foyer_id")
    )
    avec_enfant = set(
        MembreFoyer.objects.filter(role="enfant", date_fin__isnull=True).values_list(
            "foyer_id", flat=True
        )
    )
    motifs = defaultdict(set)
    for passage_id, code in Passage.motifs.through.objects.values_list("passage_id", "motif_id"):
        motifs[passage_id].add(code)
    nominatifs = 0
    for pk, naissance, habitant_id, moment, site_id, site_habitant in Passage.objects.filter(
        habitant__isnull=False
    ).values_list(
        "pk",
        "habitant__date_naissance",
        "habitant_id",
        "date_heure",
        "site_id",
        "habitant__site_id",
    ):
        nominatifs += 1
        jour = timezone.localtime(moment).date()
        a = age(naissance, jour)
        assert a >= 18, (pk, naissance, jour)
        assert site_id == site_habitant
        codes = motifs[pk]
        assert codes, pk
        if codes & MOTIFS_AGES:
            assert a >= 60, (pk, codes, a)
        if "jeunes_adultes" in codes:
            assert a <= 25, (pk, a)
        if codes & MOTIFS_PARENTS:
            assert foyer_de[habitant_id] in avec_enfant, (pk, codes)
    assert nominatifs
    assert Passage.objects.filter(habitant__isnull=True).exists()
    # Une orientation vers un partenaire le nomme ; aucune autre réponse n'en nomme.
    orientation = Q(reponse="orientation_partenaire")
    assert not Passage.objects.filter(orientation, partenaire__isnull=True).exists()
    assert not Passage.objects.filter(~orientation, partenaire__isnull=False).exists()
    # Les motifs des personnes âgées sont bien employés, par des personnes âgées.
    assert Passage.objects.filter(motifs__in=MOTIFS_AGES, habitant__isnull=False).exists()


def _limite() -> date:
    """Treize mois avant aujourd'hui."""
    return timezone.localdate() - timedelta(days=round(MOIS_ACTIVITE * 30.44))


def verifier_activite_passages(*, par_mois: int = 5):
    """Plus de treize mois de passages, et chaque mois complet depuis le même mois l'an
    dernier en compte assez pour ne pas être masqué (« < 5 »)."""
    aujourd_hui = timezone.localdate()
    jours = [
        timezone.localtime(d).date() for d in Passage.objects.values_list("date_heure", flat=True)
    ]
    assert min(jours) < _limite(), (min(jours), _limite())
    assert max(jours) <= aujourd_hui
    compte = Counter(date(j.year, j.month, 1) for j in jours)
    for n in range(1, MOIS_ACTIVITE):
        mois = mois_avant(aujourd_hui, n)
        assert compte[mois] >= par_mois, (mois, compte[mois])


def verifier_activite():
    """Treize mois d'activité au moins : passages, interventions, ouvertures
    d'accompagnement et séances d'actions collectives ; des interventions et des séances
    dans le mois d'il y a un an comme dans le dernier mois."""
    aujourd_hui = timezone.localdate()
    verifier_activite_passages()
    for modele, champ in (
        (Intervention, "date"),
        (Accompagnement, "date_ouverture"),
        (Seance, "date"),
    ):
        dates = list(modele.objects.values_list(champ, flat=True))
        assert dates, modele
        assert min(dates) < _limite(), (modele, min(dates))
        assert max(dates) <= aujourd_hui
    il_y_a_un_an = aujourd_hui - timedelta(days=365)
    for modele in (Intervention, Seance):
        assert modele.objects.filter(
            date__lte=il_y_a_un_an, date__gt=il_y_a_un_an - timedelta(days=31)
        ).exists(), modele
        assert modele.objects.filter(date__gt=aujourd_hui - timedelta(days=31)).exists(), modele


def verifier_actions_collectives():
    """Des actions collectives portées par des Maisons des Habitants, animées par leurs
    travailleurs sociaux, avec des séances datées depuis leur début et des participants
    majeurs inscrits au site (des aînés au repas des aînés, des parents au café des parents),
    ou non inscrits."""
    aujourd_hui = timezone.localdate()
    foyers_de = defaultdict(set)
    for habitant_id, foyer_id in MembreFoyer.objects.filter(date_fin__isnull=True).values_list(
        "habitant_id", "foyer_id"
    ):
        foyers_de[habitant_id].add(foyer_id)
    foyers_avec_enfant = set(
        MembreFoyer.objects.filter(role="enfant", date_fin__isnull=True).values_list(
            "foyer_id", flat=True
        )
    )
    actions = list(
        ActionCollective.objects.select_related("site").prefetch_related("animateurs__sites")
    )
    assert actions
    assert ActionCollective.objects.filter(active=True).exists()
    for action in actions:
        assert action.site.type == "maison_des_habitants"
        animateurs = list(action.animateurs.all())
        assert animateurs
        for agent in animateurs:
            assert agent.role == "travailleur_social"
            assert action.site in agent.sites.all()
        assert action.cree_par_id in {a.pk for a in animateurs}
        seances = list(action.seances.prefetch_related("participants", "animateurs"))
        assert len(seances) >= 10, action
        for seance in seances:
            assert action.date_debut <= seance.date <= aujourd_hui
            assert seance.date.weekday() < 5
            assert seance.site_id == action.site_id
            participants = list(seance.participants.all())
            assert participants or seance.participants_anonymes
            for habitant in participants:
                assert habitant.site_id == action.site_id
                assert age(habitant.date_naissance, seance.date) >= 18
                if action.titre == "Repas partagé des aînés":
                    assert age(habitant.date_naissance, seance.date) >= 60
                if action.titre == "Café des parents":
                    assert foyers_avec_enfant & foyers_de[habitant.pk], habitant.pk
            assert set(seance.animateurs.all()) <= set(animateurs)
            assert seance.auteur_id in {a.pk for a in animateurs}
    # Des personnes reviennent d'une séance à l'autre (un noyau d'habitués).
    presences = Counter(Seance.participants.through.objects.values_list("habitant_id", flat=True))
    assert presences
    assert max(presences.values()) >= 3
