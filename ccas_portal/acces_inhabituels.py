"""Le rapport quotidien des accès inhabituels, lu par l'administrateur (délégué à la protection
des données) sur l'écran du journal. Règles simples, documentées dans docs/journal.md :

1. **Dossiers hors de sa file** : un agent qui ouvre dans la journée au moins
   `JOURNAL_SEUIL_HORS_FILE` (20 par défaut) dossiers de foyers ou fiches de personnes
   distincts qui ne sont pas dans sa file habituelle. Un foyer est dans la file d'un agent
   s'il est rattaché à l'un de ses sites ET que l'agent y travaille : référent ou
   co-intervenant d'un de ses accompagnements, signalement qui lui est attribué, ou passage
   qu'il a enregistré pour l'un de ses membres dans les 12 mois. Une personne l'est si elle
   est rattachée à l'un de ses sites ET que l'agent a enregistré l'un de ses passages dans
   les 12 mois, ou qu'elle est membre d'un foyer de sa file. Un foyer d'un autre site
   (partagé) n'est jamais dans la file habituelle.
2. **Export la nuit** : tout export (tableau de bord, journal) fait par un agent entre
   `JOURNAL_NUIT_DEBUT` h et `JOURNAL_NUIT_FIN` h (20 h et 7 h par défaut, heure de Paris).

Le rapport n'accuse personne : il dit quoi regarder, avec le lien vers les entrées du journal.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accompagnement.models import Accompagnement
from ccas_portal.enums import ActionJournal
from ccas_portal.models import Agent, EntreeJournal, RapportAcces
from ccas_portal.services import planifier_tache_nocturne
from ccas_portal.validation import entier_borne
from droits.models import Signalement
from habitants.models import Foyer, Habitant, MembreFoyer, Passage

HORS_FILE, EXPORT_NUIT = "hors_file", "export_nuit"
LIBELLES_REGLES = {
    HORS_FILE: "Dossiers hors de sa file habituelle",
    EXPORT_NUIT: "Export la nuit",
}
FOYER, PERSONNE = "habitants.foyer", "habitants.habitant"
#: Au plus tant d'objets cités dans un constat (le journal filtré donne le reste).
EXEMPLES_MAX = 10


def _bornes(jour: date) -> tuple[datetime, datetime]:
    debut = timezone.make_aware(datetime.combine(jour, time.min))
    return debut, debut + timedelta(days=1)


def _entiers(valeurs) -> set[int]:
    return {n for v in valeurs if (n := entier_borne(v))}


def dossiers_hors_file(jour: date) -> list[dict]:
    """Règle 1 : un constat par agent au-dessus du seuil."""
    debut, fin = _bornes(jour)
    lus = defaultdict(lambda: {FOYER: set(), PERSONNE: set()})
    for agent_id, objet_type, objet_id in (
        EntreeJournal.objects.filter(
            horodatage__gte=debut,
            horodatage__lt=fin,
            action=ActionJournal.CONSULTATION,
            agent__isnull=False,
            objet_type__in=(FOYER, PERSONNE),
        )
        .values_list("agent_id", "objet_type", "objet_id")
        .distinct()
    ):
        if numero := entier_borne(objet_id):
            lus[agent_id][objet_type].add(numero)
    seuil = settings.JOURNAL_SEUIL_HORS_FILE
    candidats = {a: o for a, o in lus.items() if len(o[FOYER]) + len(o[PERSONNE]) >= seuil}
    if not candidats:
        return []

    ids_foyers = set().union(*(o[FOYER] for o in candidats.values()))
    ids_personnes = set().union(*(o[PERSONNE] for o in candidats.values()))
    membres = list(
        MembreFoyer.objects.filter(
            Q(foyer_id__in=ids_foyers) | Q(habitant_id__in=ids_personnes)
        ).values_list("foyer_id", "habitant_id")
    )
    ids_foyers_lies = ids_foyers | {f for f, _ in membres}
    membres_de = defaultdict(set)
    foyers_de = defaultdict(set)
    for foyer_id, habitant_id in membres:
        membres_de[foyer_id].add(habitant_id)
        foyers_de[habitant_id].add(foyer_id)
    site_foyer = dict(Foyer.objects.filter(pk__in=ids_foyers).values_list("pk", "site_id"))
    site_personne = dict(Habitant.objects.filter(pk__in=ids_personnes).values_list("pk", "site_id"))
    sites_agent = defaultdict(set)
    for agent_id, site_id in Agent.sites.through.objects.filter(agent_id__in=candidats).values_list(
        "agent_id", "site_id"
    ):
        sites_agent[agent_id].add(site_id)

    travaille = defaultdict(set)  # agent -> foyers où il travaille
    for foyer_id, referent_id in Accompagnement.objects.filter(
        foyer_id__in=ids_foyers_lies
    ).values_list("foyer_id", "referent_id"):
        travaille[referent_id].add(foyer_id)
    for foyer_id, agent_id in Accompagnement.co_intervenants.through.objects.filter(
        accompagnement__foyer_id__in=ids_foyers_lies, agent_id__in=candidats
    ).values_list("accompagnement__foyer_id", "agent_id"):
        travaille[agent_id].add(foyer_id)
    for foyer_id, agent_id in Signalement.objects.filter(
        foyer_id__in=ids_foyers_lies, attribue_a_id__in=candidats
    ).values_list("foyer_id", "attribue_a_id"):
        travaille[agent_id].add(foyer_id)
    recus = defaultdict(set)  # agent -> personnes dont il a enregistré un passage
    for agent_id, habitant_id in Passage.objects.filter(
        agent_id__in=candidats,
        habitant_id__in=ids_personnes | {h for _, h in membres},
        date_heure__gte=fin - timedelta(days=365),
        date_heure__lt=fin,
    ).values_list("agent_id", "habitant_id"):
        recus[agent_id].add(habitant_id)

    noms = {a.pk: a.get_full_name() or a.username for a in Agent.objects.filter(pk__in=candidats)}
    constats = []
    for agent_id, objets in sorted(candidats.items()):
        sites = sites_agent[agent_id]

        def foyer_dans_la_file(foyer_id, agent_id=agent_id, sites=sites):
            return site_foyer.get(foyer_id) in sites and (
                foyer_id in travaille[agent_id] or membres_de[foyer_id] & recus[agent_id]
            )

        def personne_dans_la_file(habitant_id, agent_id=agent_id, sites=sites):
            return site_personne.get(habitant_id) in sites and (
                habitant_id in recus[agent_id]
                or any(f in travaille[agent_id] for f in foyers_de[habitant_id])
            )

        hors_foyers = sorted(f for f in objets[FOYER] if not foyer_dans_la_file(f))
        hors_personnes = sorted(p for p in objets[PERSONNE] if not personne_dans_la_file(p))
        nombre = len(hors_foyers) + len(hors_personnes)
        if nombre >= seuil:
            constats.append(
                {
                    "regle": HORS_FILE,
                    "agent_id": agent_id,
                    "agent": noms.get(agent_id, ""),
                    "nombre": nombre,
                    "foyers": hors_foyers[:EXEMPLES_MAX],
                    "personnes": hors_personnes[:EXEMPLES_MAX],
                }
            )
    return constats


def _de_nuit(horodatage: datetime) -> bool:
    heure = timezone.localtime(horodatage).hour
    debut, fin = settings.JOURNAL_NUIT_DEBUT, settings.JOURNAL_NUIT_FIN
    return heure >= debut or heure < fin if debut > fin else debut <= heure < fin


def exports_de_nuit(jour: date) -> list[dict]:
    """Règle 2 : un constat par agent ayant exporté la nuit (heure de Paris)."""
    debut, fin = _bornes(jour)
    par_agent = defaultdict(list)
    for entree in EntreeJournal.objects.filter(
        horodatage__gte=debut, horodatage__lt=fin, action=ActionJournal.EXPORT, agent__isnull=False
    ).order_by("horodatage", "id"):
        if _de_nuit(entree.horodatage):
            par_agent[(entree.agent_id, entree.agent_libelle)].append(entree)
    return [
        {
            "regle": EXPORT_NUIT,
            "agent_id": agent_id,
            "agent": libelle,
            "nombre": len(entrees),
            "heures": [f"{timezone.localtime(e.horodatage):%H:%M}" for e in entrees][:EXEMPLES_MAX],
            "objets": sorted({e.objet_type for e in entrees}),
        }
        for (agent_id, libelle), entrees in sorted(par_agent.items())
    ]


@transaction.atomic
def etablir_rapport(*, jour: date) -> RapportAcces:
    """Établit (ou rétablit) le rapport du jour donné."""
    constats = dossiers_hors_file(jour) + exports_de_nuit(jour)
    rapport, _ = RapportAcces.objects.update_or_create(
        jour=jour, defaults={"etabli_le": timezone.now(), "constats": constats}
    )
    return rapport


NOM_TACHE = "Journal : rapport des accès inhabituels de la veille"


def planifier_rapport_quotidien() -> bool:
    """Chaque jour à 6 h : le rapport de la veille (créé s'il manque)."""
    return planifier_tache_nocturne(
        nom=NOM_TACHE,
        tache="ccas_portal.rapport_acces_inhabituels",
        heure=6,
        minute=0,
        description=(
            "Relève dans le journal de la veille les accès inhabituels (dossiers hors de la "
            "file habituelle, exports la nuit) ; lus sur l'écran du journal."
        ),
    )
