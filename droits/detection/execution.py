"""Une exécution de la détection : le coordinateur découpe les foyers en lots, chaque lot est
simulé et écrit par une tâche rejouable, le dernier lot terminé clôt l'exécution.

Tout se passe par identifiants et en base : plusieurs workers, sur une ou plusieurs machines,
se partagent une exécution ; une tâche rejouée (worker perdu, nouvelle tentative) ne refait que ce
qui n'est pas noté fait, et ses écritures sont des mises à jour, jamais des doublons.
"""

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from ccas_portal import perms
from ccas_portal.enums import ActionJournal
from ccas_portal.formats import nombre
from ccas_portal.insertion import (
    inserer_lignes,
    inserer_ou_remplacer,
    mettre_a_jour_en_masse,
)
from ccas_portal.journal import journaliser
from ccas_portal.lectures import Lectures
from ccas_portal.lookups import Identifiants
from droits.detection import decision, moteur
from droits.detection.collecte import collecte_de_fin_de_lot, sans_collecte_automatique
from droits.detection.pile import pile_reservee
from droits.detection.situation import FoyerSimule, charger_foyers
from droits.enums import (
    STATUTS_EN_COURS,
    PerimetreDetection,
    StatutExecution,
)
from droits.models import (
    EtatDetectionFoyer,
    ExecutionDetection,
    LotDetection,
    Prestation,
    PrestationFoyer,
    Signalement,
)
from habitants.models import Foyer

logger = logging.getLogger(__name__)


def taille_lot() -> int:
    return getattr(settings, "DETECTION_TAILLE_LOT", 10000)


def ecart_seuil() -> float:
    """L'écart de ressources (fraction) avec lequel chaque foyer signalé est re-simulé pour
    dire s'il est proche d'un seuil (0 : pas de re-simulation) ; ADR 0019."""
    return getattr(settings, "DETECTION_ECART_SEUIL_POURCENT", 5) / 100


def mois_courant() -> date:
    aujourd_hui = timezone.localdate()
    return date(aujourd_hui.year, aujourd_hui.month, 1)


# --- Enfiler ---------------------------------------------------------------------------------

#: Les tâches que la détection enfile, nommées : `droits/tasks.py` les définit et importe ce
#: module, qui ne l'importe pas en retour (ADR 0031). `droits/apps.py` importe les tâches au
#: démarrage de chaque processus : la tâche est toujours trouvée dans le registre de Celery
#: (un test vérifie ces noms).
TACHE_COORDINATEUR = "droits.tasks.coordonner_detection"
TACHE_LOT = "droits.tasks.traiter_lot_detection"
#: La file des lots, pour ne pas retarder les autres tâches.
FILE_DETECTION = "detection"


def tache(nom: str):
    """La tâche Celery enregistrée sous ce nom."""
    return current_app.tasks[nom]


def enfiler_coordinateur(execution_id: int) -> None:
    tache(TACHE_COORDINATEUR).delay(execution_id)


def enfiler_lots(lots: list[int]) -> None:
    """Un message par lot sur la file `detection` (coordinateur, relance, reprise)."""
    for lot_id in lots:
        tache(TACHE_LOT).apply_async((lot_id,), queue=FILE_DETECTION)


# --- Lancer ---------------------------------------------------------------------------------


@transaction.atomic
def lancer_detection(
    *,
    agent=None,
    declencheur: str = "manuel",
    perimetre: str = PerimetreDetection.TOUS,
    site=None,
    foyer=None,
    mois_cible: date | None = None,
) -> ExecutionDetection:
    """Enregistre une exécution (sa propre transaction) et enfile son coordinateur après la
    validation (jamais avant : le worker ne la trouverait pas)."""
    if agent is not None and not perms.peut_piloter(agent):
        un_de_ses_foyers = (
            perimetre == PerimetreDetection.FOYER
            and foyer is not None
            and perms.peut_voir_donnees_sensibles(agent)
            and perms.peut_suivre_foyer(agent, foyer)
        )
        if not un_de_ses_foyers:
            raise PermissionDenied(
                "Lancer la détection est réservé aux responsables et admins ; un travailleur "
                "social simule les foyers de ses sites."
            )
    if agent is not None and perimetre != PerimetreDetection.FOYER:
        restreint = perms.perimetre_restreint(agent)
        if restreint is not None and (
            perimetre != PerimetreDetection.SITE or (site is not None and site.pk not in restreint)
        ):
            raise PermissionDenied(
                "Un responsable de Maison des Habitants lance la détection sur un de ses sites ; "
                "tous les foyers ou les foyers modifiés : la direction ou un admin."
            )
    if perimetre == PerimetreDetection.SITE and site is None:
        raise ValueError("Une exécution sur un site demande ce site.")
    if perimetre == PerimetreDetection.FOYER and foyer is None:
        raise ValueError("Une exécution sur un foyer demande ce foyer.")
    execution = ExecutionDetection.objects.create(
        lance_par=agent,
        declencheur=declencheur,
        perimetre=perimetre,
        site=site,
        foyer=foyer,
        mois_cible=(mois_cible or mois_courant()).replace(day=1),
    )
    if agent is not None:
        journaliser(
            agent=agent,
            action=ActionJournal.CREATION,
            objet=execution,
            details={"perimetre": perimetre},
        )
    transaction.on_commit(lambda: enfiler_coordinateur(execution.pk))
    return execution


def foyers_du_perimetre(execution: ExecutionDetection):
    qs = Foyer.objects.order_by("pk")
    if execution.perimetre == PerimetreDetection.SITE:
        return qs.filter(site_id=execution.site_id)
    if execution.perimetre == PerimetreDetection.FOYER:
        return qs.filter(pk=execution.foyer_id)
    if execution.perimetre == PerimetreDetection.MODIFIES:
        # Une jointure (un état au plus par foyer), pas deux sous-requêtes par foyer : 0,04 s
        # au lieu de 0,2 s sur 100 000 foyers, coût fixe de chaque exécution incrémentale.
        return qs.filter(
            Q(detection__isnull=True) | Q(faits_modifies_le__gt=F("detection__simule_le"))
        )
    return qs


def preparer(execution_id: int) -> list[int]:
    """Découpe le périmètre en lots (une fois : rejoué, il rend les lots déjà créés)."""
    with transaction.atomic():
        execution = ExecutionDetection.objects.select_for_update().get(pk=execution_id)
        if execution.statut == StatutExecution.EN_ATTENTE:
            ids = list(foyers_du_perimetre(execution).values_list("pk", flat=True))
            n = taille_lot()
            LotDetection.objects.bulk_create(
                [
                    LotDetection(execution=execution, numero=i, foyers=ids[d : d + n])
                    for i, d in enumerate(range(0, len(ids), n))
                ]
            )
            execution.total = len(ids)
            execution.statut = StatutExecution.EN_COURS
            execution.debut = timezone.now()
            execution.save(update_fields=["total", "statut", "debut"])
    a_faire = list(
        LotDetection.objects.filter(execution_id=execution_id, fait=False).values_list(
            "pk", flat=True
        )
    )
    # (Échouée avant tout découpage : rien n'est fait, elle ne se clôt pas sur zéro foyer.)
    if not a_faire and (
        execution.statut != StatutExecution.ECHOUEE
        or LotDetection.objects.filter(execution_id=execution_id).exists()
    ):
        cloturer(execution_id)
    return a_faire


# --- Lots perdus : relance et reprise (ADR 0021) --------------------------------------------


def delai_relance() -> timedelta:
    """Sans activité depuis ce délai (aucun lot commencé ni fini), une exécution en cours a
    perdu ses messages. Il doit dépasser la durée d'un lot et l'attente d'un lot derrière
    ceux d'une autre exécution."""
    return timedelta(seconds=getattr(settings, "DETECTION_DELAI_RELANCE", 900))


def relances_max() -> int:
    return getattr(settings, "DETECTION_RELANCES_MAX", 3)


def derniere_activite(execution: ExecutionDetection):
    """Le dernier signe de vie d'une exécution : créée, découpée, relancée, un lot commencé
    ou fini."""
    lots = LotDetection.objects.filter(execution=execution).aggregate(
        commence=Max("commence_le"), termine=Max("termine_le")
    )
    dates = [
        execution.cree_le,
        execution.debut,
        execution.relancee_le,
        lots["commence"],
        lots["termine"],
    ]
    return max(d for d in dates if d is not None)


def raison_des_lots_perdus(execution: ExecutionDetection, manquants: list[int]) -> str:
    """La raison, en français, d'une exécution arrêtée faute de nouvelles de ses lots."""
    secondes = round(delai_relance().total_seconds())
    delai = f"{secondes} s" if secondes < 120 else f"{round(secondes / 60)} min"
    if execution.statut == StatutExecution.EN_ATTENTE:
        quoi = "le découpage en lots n'a jamais commencé"
    else:
        n = len(manquants)
        quoi = (
            f"{n} lot{'s' if n > 1 else ''} sur {execution.lots.count()} "
            f"{'sont restés' if n > 1 else 'est resté'} sans réponse "
            f"(foyers non traités : {nombre(execution.total - execution.traites)})"
        )
    relances = execution.relances
    malgre = f", malgré {relances} relance{'s' if relances > 1 else ''}" if relances else ""
    return (
        f"Exécution arrêtée : {quoi} pendant {delai}{malgre}. Le broker a probablement perdu "
        "les messages (redémarrage de Redis) ou aucun worker n'écoute la file « detection ». "
        "« Reprendre » ne refait que les lots manquants."
    )


def relancer_les_executions_bloquees() -> dict:
    """La surveillance (tâche périodique) : une exécution en attente ou en cours sans activité
    depuis `delai_relance()` a perdu ses messages (broker redémarré sans persistance, worker
    disparu) ; ses lots non faits sont renvoyés au broker (le coordinateur, si elle n'était
    pas découpée). Au-delà de `relances_max()` relances, elle est marquée échouée avec la
    raison, et « Reprendre » (`reprendre_detection`) ne refera que les lots manquants.
    Renvoyer un lot est sans risque : un lot fait n'est jamais refait, ses écritures ne
    créent pas de doublon."""
    bilan = Counter()
    limite = timezone.now() - delai_relance()
    actives = ExecutionDetection.objects.filter(
        statut__in=[StatutExecution.EN_ATTENTE, StatutExecution.EN_COURS]
    )
    for execution_id in actives.values_list("pk", flat=True):
        with transaction.atomic():
            execution = ExecutionDetection.objects.select_for_update().get(pk=execution_id)
            if execution.statut not in (StatutExecution.EN_ATTENTE, StatutExecution.EN_COURS):
                continue
            if derniere_activite(execution) > limite:
                continue
            manquants = list(
                LotDetection.objects.filter(execution=execution, fait=False)
                .order_by("numero")
                .values_list("pk", flat=True)
            )
            if execution.statut == StatutExecution.EN_COURS and not manquants:
                transaction.on_commit(lambda pk=execution.pk: cloturer(pk))
                bilan["cloturees"] += 1
                continue
            if execution.relances >= relances_max():
                raison = raison_des_lots_perdus(execution, manquants)
                transaction.on_commit(lambda pk=execution.pk, r=raison: echouer(pk, r))
                logger.warning("Exécution %s : %s", execution.pk, raison)
                bilan["echouees"] += 1
                continue
            execution.relances += 1
            execution.relancee_le = timezone.now()
            execution.save(update_fields=["relances", "relancee_le"])
            _enfiler(execution, manquants)
            logger.warning(
                "Exécution %s sans activité depuis %s : relance %s (%s lots renvoyés)",
                execution.pk,
                delai_relance(),
                execution.relances,
                len(manquants),
            )
            bilan["relancees"] += 1
    return dict(bilan)


def _enfiler(execution: ExecutionDetection, lots: list[int]) -> None:
    """Après la validation : le coordinateur d'une exécution pas encore découpée, sinon ses
    lots."""
    if execution.statut == StatutExecution.EN_ATTENTE:
        transaction.on_commit(lambda: enfiler_coordinateur(execution.pk))
    else:
        transaction.on_commit(lambda: enfiler_lots(lots))


def peut_reprendre(execution: ExecutionDetection) -> bool:
    return execution.statut == StatutExecution.ECHOUEE


def reprendre_detection(*, agent, execution: ExecutionDetection) -> list[int]:
    """« Reprendre » une exécution échouée : elle repart en cours et seuls ses lots non faits
    sont renvoyés aux workers (le coordinateur, si elle n'a jamais été découpée). Les lots
    faits ne sont pas refaits ; leurs signalements restent tels quels. Renvoie les lots
    renvoyés."""
    if agent is not None and not perms.peut_piloter(agent):
        raise PermissionDenied("Reprendre une exécution est réservé aux responsables et admins.")
    with transaction.atomic():
        execution = ExecutionDetection.objects.select_for_update().get(pk=execution.pk)
        if not peut_reprendre(execution):
            raise ValidationError(
                "Cette exécution n'est pas en échec "
                f"(statut : {execution.get_statut_display().lower()}) : rien à reprendre."
            )
        manquants = list(
            LotDetection.objects.filter(execution=execution, fait=False)
            .order_by("numero")
            .values_list("pk", flat=True)
        )
        decoupee = LotDetection.objects.filter(execution=execution).exists()
        erreurs = execution.erreurs
        execution.statut = StatutExecution.EN_COURS if decoupee else StatutExecution.EN_ATTENTE
        execution.erreurs = []
        execution.relances = 0
        execution.relancee_le = timezone.now()
        execution.fin = None
        execution.save(update_fields=["statut", "erreurs", "relances", "relancee_le", "fin"])
        if agent is not None:
            journaliser(
                agent=agent,
                action=ActionJournal.MODIFICATION,
                objet=execution,
                details={"reprise": len(manquants), "erreurs": erreurs},
            )
        if decoupee and not manquants:
            transaction.on_commit(lambda: cloturer(execution.pk))
        else:
            _enfiler(execution, manquants)
    return manquants


# --- Un lot : charger → décider (decision.py, pur) → écrire ----------------------------------


@dataclass
class DonneesLot:
    """Ce qu'un lot lit avant de décider (hors signalements : voir `_ecrire`)."""

    foyers: list[FoyerSimule]
    #: {foyer : prestations demandées ou perçues}
    en_cours: dict[int, set[str]]
    #: foyers dont un accompagnement note une aide à domicile en place
    aides: set[int]
    #: {code : montant indicatif} des prestations actives du catalogue
    catalogue: dict[str, Decimal | None]


def source_aides_a_domicile():
    """La fonction qui dit quels foyers ont une aide à domicile en place (ids → ensemble
    d'ids). Ce fait est noté dans un accompagnement « bien vieillir » ; la détection ne lit
    pas `accompagnement` (couches, ADR 0031) : le réglage DETECTION_AIDES_A_DOMICILE, écrit
    là où l'on assemble les applications, lui donne cette fonction par son nom."""
    return import_string(settings.DETECTION_AIDES_A_DOMICILE)


def _en_cours(ids: Identifiants) -> dict[int, set[str]]:
    en_cours: dict[int, set[str]] = {}
    # Sans tri (un ensemble par foyer) : l'ordre par défaut joindrait prestations et axes.
    for foyer_id, code in (
        PrestationFoyer.objects.filter(foyer_id__parmi=ids, statut__in=STATUTS_EN_COURS)
        .order_by()
        .values_list("foyer_id", "prestation_id")
    ):
        en_cours.setdefault(foyer_id, set()).add(code)
    return en_cours


def _catalogue() -> dict[str, Decimal | None]:
    return dict(Prestation.objects.filter(actif=True).values_list("code", "montant_indicatif"))


def charger(lot: LotDetection) -> DonneesLot:
    """Les lectures d'un lot : un nombre de requêtes qui ne dépend pas de sa taille, lancées
    ensemble quand c'est possible (`ccas_portal.lectures`, ADR 0037)."""
    lectures = Lectures(en_parallele=True)
    ids = Identifiants(lot.foyers)
    en_cours = lectures.lancer(_en_cours, ids)
    aides = lectures.lancer(source_aides_a_domicile(), lot.foyers)
    catalogue = lectures.lancer(_catalogue)
    foyers = charger_foyers(lot.foyers, lot.execution.mois_cible, lectures)
    return DonneesLot(
        foyers=foyers,
        en_cours=en_cours.result(),
        aides=set(aides.result()),
        catalogue=catalogue.result(),
    )


def signalements_lus(foyers: list[int]) -> list[decision.SignalementLu]:
    """Les signalements de ces foyers, dans l'ordre de leur création."""
    return [
        decision.SignalementLu(*ligne)
        for ligne in Signalement.objects.filter(foyer_id__parmi=Identifiants(foyers))
        .order_by("cree_le", "pk")
        .values_list(
            "pk",
            "foyer_id",
            "prestation_id",
            "etat",
            "montant_estime",
            "empreinte",
            "explication",
            "toujours_detecte",
        )
    ]


@pile_reservee
def traiter_lot(lot_id: int) -> dict:
    """Simule un lot et écrit ses signalements ; rejoué, il ne refait rien s'il est fait.
    Tout le lot se fait sans collecte automatique du ramasse-miettes ; une collecte complète
    ramasse les graphes de ses simulations quand ses objets ont disparu (`collecte`,
    ADR 0039)."""
    try:
        with sans_collecte_automatique():
            return _traiter_lot(lot_id)
    finally:
        collecte_de_fin_de_lot()


def _traiter_lot(lot_id: int) -> dict:
    lot = LotDetection.objects.select_related("execution").get(pk=lot_id)
    if lot.fait:
        return {"deja_fait": True}
    execution = lot.execution
    mois = execution.mois_cible
    LotDetection.objects.filter(pk=lot_id).update(
        tentatives=F("tentatives") + 1, commence_le=timezone.now()
    )
    debut = time.perf_counter()
    donnees = charger(lot)
    charge = time.perf_counter()
    resultats = moteur.simuler(donnees.foyers, mois)
    simule = time.perf_counter()
    # Proximité d'un seuil : seuls les foyers qui auront un signalement nouveau ou changé
    # d'une prestation légale sont re-simulés (ressources ± écart) ; un signalement inchangé
    # garde le seuil déjà calculé (`repris`).
    ecart = ecart_seuil()
    traces = decision.empreintes(donnees.foyers, resultats, donnees.en_cours, donnees.aides)
    a_expliquer, repris = decision.a_re_simuler(
        donnees.foyers,
        resultats,
        donnees.en_cours,
        traces,
        mois,
        signalements_lus([f.id for f in donnees.foyers if f.id in resultats]) if ecart else [],
        ecart,
    )
    sensibles = moteur.sensibilite(a_expliquer, mois, ecart, taille_lot()) if a_expliquer else {}
    localises = _localiser_seuils(a_expliquer, resultats, sensibles, donnees, mois)
    explique = time.perf_counter()
    ecrit = _ecrire(lot_id, execution, donnees, resultats, traces, sensibles, repris)
    if ecrit is None:  # un autre worker l'a fini entre-temps
        return {"deja_fait": True}
    crees, reste = ecrit
    fin = time.perf_counter()
    logger.info(
        "Lot %s de l'exécution %s : %s foyers, chargement %.2f s, simulation %.2f s, "
        "proximité des seuils %.2f s (%s foyers, %s seuils localisés), signalements %.2f s, "
        "%s créés",
        lot.numero,
        execution.pk,
        len(lot.foyers),
        charge - debut,
        simule - charge,
        explique - simule,
        len(a_expliquer),
        localises,
        fin - explique,
        crees,
    )
    if not reste:
        cloturer(execution.pk)
    return {"foyers": len(lot.foyers), "signalements_crees": crees}


def _localiser_seuils(foyers, resultats, sensibles, donnees: DonneesLot, mois) -> int:
    """Localise les seuils proches des droits qui auront un signalement (ADR 0035)."""
    exclues = decision.sans_signalement(foyers, resultats, donnees.en_cours, donnees.catalogue)
    return moteur.localiser_les_seuils_proches(
        foyers, resultats, sensibles, mois, exclues, taille_lot()
    )


#: Les champs d'un signalement ouvert revu par une exécution.
CHAMPS_REVUS = (
    "montant_estime",
    "empreinte",
    "execution",
    "explication",
    "toujours_detecte",
    "modifie_le",
)


def _ecrire(lot_id, execution, donnees: DonneesLot, resultats, traces, sensibles, repris):
    """Sous le verrou du lot : relit ses signalements (à jour), décide (`decision.decider`)
    et écrit tout en masse — quelques requêtes par lot au lieu de deux par signalement (COPY
    sur PostgreSQL, voir ccas_portal.insertion). Renvoie (signalements créés, reste-t-il des
    lots à faire), ou None si un autre worker a fini le lot."""
    with transaction.atomic():
        lot = LotDetection.objects.select_for_update().get(pk=lot_id)
        if lot.fait:
            return None
        maintenant = timezone.now()
        d = decision.decider(
            foyers=donnees.foyers,
            ids_du_lot=lot.foyers,
            resultats=resultats,
            en_cours=donnees.en_cours,
            aides=donnees.aides,
            traces=traces,
            sensibles=sensibles,
            repris=repris,
            catalogue=donnees.catalogue,
            existants=decision.existants_par_foyer(signalements_lus(lot.foyers)),
            mois=execution.mois_cible,
            execution_id=execution.pk,
            maintenant=maintenant,
        )
        # Leur création (état « nouveau ») est notée sur eux-mêmes (date de repérage) : leur
        # historique ne reçoit que les changements faits ensuite par un agent.
        crees = inserer_lignes(Signalement, d.nouveaux)
        mettre_a_jour_en_masse(
            Signalement,
            [
                Signalement(
                    pk=r.pk,
                    montant_estime=r.montant_estime,
                    empreinte=r.empreinte,
                    execution_id=execution.pk,
                    explication=r.explication,
                    toujours_detecte=True,
                    modifie_le=maintenant,
                )
                for r in d.revus
            ],
            CHAMPS_REVUS,
        )
        mettre_a_jour_en_masse(
            Signalement,
            [Signalement(pk=pk, toujours_detecte=False, modifie_le=maintenant) for pk in d.perdus],
            ["toujours_detecte", "modifie_le"],
        )
        inserer_ou_remplacer(
            EtatDetectionFoyer,
            d.etats,
            unique=["foyer"],
            champs=["simule_le", "empreinte", "execution", "mois_cible", "estimations"],
        )
        lot.fait = True
        lot.termine_le = maintenant
        lot.save(update_fields=["fait", "termine_le"])
        execution = ExecutionDetection.objects.select_for_update().get(pk=execution.pk)
        execution.traites += len(lot.foyers)
        execution.incomplets += len(lot.foyers) - len(resultats)
        execution.signalements_crees += crees
        total = Counter(execution.comptes)
        total.update(d.comptes)
        execution.comptes = dict(sorted(total.items()))
        cumul = Counter(execution.bilan)
        cumul.update(d.bilan)
        execution.bilan = dict(sorted(cumul.items()))
        execution.save(
            update_fields=["traites", "incomplets", "signalements_crees", "comptes", "bilan"]
        )
        reste = LotDetection.objects.filter(execution=execution, fait=False).exists()
    return crees, reste


def cloturer(execution_id: int) -> None:
    """Appelé quand tous les lots sont faits : l'exécution est terminée, même si elle avait été
    marquée échouée entre-temps (lots relancés à bout de délai et finalement faits : elle est
    complète, ses erreurs restent affichées)."""
    with transaction.atomic():
        execution = ExecutionDetection.objects.select_for_update().get(pk=execution_id)
        if execution.statut == StatutExecution.TERMINEE:
            return
        execution.statut = StatutExecution.TERMINEE
        execution.fin = timezone.now()
        execution.debut = execution.debut or execution.fin
        execution.save(update_fields=["statut", "fin", "debut"])


def echouer(execution_id: int, erreur: str) -> None:
    with transaction.atomic():
        execution = ExecutionDetection.objects.select_for_update().get(pk=execution_id)
        execution.erreurs = [*execution.erreurs, erreur][-50:]
        execution.statut = StatutExecution.ECHOUEE
        execution.fin = timezone.now()
        execution.save(update_fields=["erreurs", "statut", "fin"])
