"""Une exécution de la détection : le coordinateur découpe les foyers en lots, chaque lot est
simulé et écrit par une tâche rejouable, le dernier lot terminé clôt l'exécution.

Tout se passe par identifiants et en base : plusieurs workers, sur une ou plusieurs machines,
se partagent une exécution ; une tâche rejouée (worker perdu, nouvelle tentative) ne refait que ce
qui n'est pas noté fait, et ses écritures sont des mises à jour, jamais des doublons.
"""

import hashlib
import json
import logging
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from ccas_portal import perms
from ccas_portal.dates import fin_du_mois
from ccas_portal.enums import ActionJournal
from ccas_portal.formats import nombre
from ccas_portal.insertion import (
    inserer_lignes,
    inserer_ou_remplacer,
    mettre_a_jour_en_masse,
)
from ccas_portal.journal import journaliser
from droits.detection import moteur, regles_locales
from droits.detection.explication import expliquer
from droits.detection.pile import pile_reservee
from droits.detection.situation import FoyerSimule, charger_foyers
from droits.enums import (
    ETATS_OUVERTS,
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

journal = logging.getLogger(__name__)


def taille_lot() -> int:
    return getattr(settings, "DETECTION_TAILLE_LOT", 10000)


def ecart_seuil() -> float:
    """L'écart de ressources (fraction) avec lequel chaque foyer signalé est re-simulé pour
    dire s'il est proche d'un seuil (0 : pas de re-simulation) ; ADR 0019."""
    return getattr(settings, "DETECTION_ECART_SEUIL_POURCENT", 5) / 100


def mois_courant() -> date:
    aujourd_hui = timezone.localdate()
    return date(aujourd_hui.year, aujourd_hui.month, 1)


# --- Lancer ---------------------------------------------------------------------------------


def lancer_detection(
    *,
    agent=None,
    declencheur: str = "manuel",
    perimetre: str = PerimetreDetection.TOUS,
    site=None,
    foyer=None,
    mois_cible: date | None = None,
) -> ExecutionDetection:
    """Enregistre une exécution et enfile son coordinateur après la validation de la
    transaction (jamais avant : le worker ne la trouverait pas)."""
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
    from droits.tasks import coordonner_detection

    transaction.on_commit(lambda: coordonner_detection.delay(execution.pk))
    return execution


def foyers_du_perimetre(execution: ExecutionDetection):
    qs = Foyer.objects.order_by("pk")
    if execution.perimetre == PerimetreDetection.SITE:
        return qs.filter(site_id=execution.site_id)
    if execution.perimetre == PerimetreDetection.FOYER:
        return qs.filter(pk=execution.foyer_id)
    if execution.perimetre == PerimetreDetection.MODIFIES:
        derniere = EtatDetectionFoyer.objects.filter(foyer=OuterRef("pk")).values("simule_le")
        return qs.annotate(simule_le=Subquery(derniere)).filter(
            Q(simule_le__isnull=True) | Q(faits_modifies_le__gt=F("simule_le"))
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
                journal.warning("Exécution %s : %s", execution.pk, raison)
                bilan["echouees"] += 1
                continue
            execution.relances += 1
            execution.relancee_le = timezone.now()
            execution.save(update_fields=["relances", "relancee_le"])
            _enfiler(execution, manquants)
            journal.warning(
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
    from droits import tasks

    if execution.statut == StatutExecution.EN_ATTENTE:
        transaction.on_commit(lambda: tasks.coordonner_detection.delay(execution.pk))
    else:
        transaction.on_commit(lambda: tasks.enfiler_lots(lots))


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


# --- Un lot ---------------------------------------------------------------------------------


def empreinte(foyer: FoyerSimule, prestations_en_cours: set[str], aide_a_domicile: bool) -> str:
    """L'empreinte des faits du foyer (hors mois simulé) : un signalement clos comme non
    éligible ou refusé ne renaît que si elle change."""
    contenu = {
        "logement": [foyer.depcom, foyer.statut_occupation, foyer.loyer],
        "personnes": [
            [
                p.id,
                p.date_naissance.isoformat() if p.date_naissance else None,
                p.role,
                p.taux_incapacite,
                sorted(
                    [t, m, d.isoformat(), f.isoformat() if f else None]
                    for t, m, d, f in p.ressources
                ),
            ]
            for p in foyer.personnes
        ],
        "prestations": sorted(prestations_en_cours),
        "aide_a_domicile": aide_a_domicile,
    }
    texte = json.dumps(contenu, sort_keys=True, default=str)
    return hashlib.sha256(texte.encode()).hexdigest()


def explication(foyer: FoyerSimule, mois: date, raison: str = "") -> dict:
    """Les principales données utilisées, lisibles par le travailleur social."""
    jour = fin_du_mois(mois)
    revenus = sum(
        montant
        for p in foyer.personnes
        for t, montant, d, f in p.ressources
        if d <= jour and (f is None or f >= mois)
    )
    return {
        "mois": f"{mois:%m/%Y}",
        "personnes": len(foyer.personnes),
        "ages": [p.age(jour) for p in foyer.personnes],
        "ressources_mensuelles_nettes": round(revenus, 2),
        "loyer": foyer.loyer,
        "statut_occupation": foyer.statut_occupation,
        "commune": foyer.depcom,
        "incapacite": any((p.taux_incapacite or 0) >= 50 for p in foyer.personnes),
        **({"raison": raison} if raison else {}),
    }


def _a_re_simuler(foyers, resultats, en_cours, traces, mois: date) -> tuple[list, dict]:
    """Les foyers à re-simuler pour la proximité des seuils (ADR 0019), et ce qui est repris
    sans re-simulation : {(foyer, prestation) : {"sensibilite", "seuil"}}.

    Pas de re-simulation pour un droit probable déjà demandé ou perçu (pas de signalement),
    ni pour un signalement déjà écrit sur les mêmes faits : ouvert avec la même empreinte, le
    même montant, le même mois simulé et le même écart (son seuil est repris), ou dernier clos
    avec la même empreinte (il ne renaît pas). Un foyer qui a au moins un droit nouveau ou
    changé est re-simulé en entier."""
    if not ecart_seuil():
        return [], {}
    pourcentage = round(ecart_seuil() * 100)
    ids = [f.id for f in foyers if f.id in resultats]
    ouverts, clos = {}, {}
    for foyer_id, code, etat, trace, montant, x in (
        Signalement.objects.filter(foyer_id__parmi=ids)
        .order_by("cree_le", "pk")
        .values_list(
            "foyer_id", "prestation_id", "etat", "empreinte", "montant_estime", "explication"
        )
    ):
        if etat in ETATS_OUVERTS:
            ouverts[foyer_id, code] = (trace, montant, x or {})
        else:
            clos[foyer_id, code] = trace
    a_faire, repris = [], {}
    mois_texte = f"{mois:%m/%Y}"
    for f in foyers:
        if f.id not in resultats:
            continue
        trace, du_foyer, complet = traces[f.id], {}, True
        for e in resultats[f.id]:
            cle = (f.id, e.prestation)
            if e.prestation in en_cours.get(f.id, ()):
                continue
            if cle in ouverts:
                ancienne_trace, montant, x = ouverts[cle]
                if (
                    ancienne_trace == trace
                    and montant == Decimal(str(e.montant))
                    and x.get("mois") == mois_texte
                    and x.get("sensibilite") == pourcentage
                ):
                    du_foyer[cle] = {k: x[k] for k in ("sensibilite", "seuil") if k in x}
                    continue
            elif clos.get(cle) == trace:
                continue
            complet = False
        if complet:
            repris.update(du_foyer)
        else:
            a_faire.append(f)
    return a_faire, repris


def _aides_a_domicile(ids: list[int]) -> set[int]:
    """Les foyers dont un accompagnement « bien vieillir » note une aide à domicile en place."""
    from accompagnement.models import Accompagnement

    return set(
        Accompagnement.objects.filter(
            foyer_id__parmi=ids, axe_id="bien_vieillir", faits__aide_domicile=True
        ).values_list("foyer_id", flat=True)
    )


@pile_reservee
def traiter_lot(lot_id: int) -> dict:
    """Simule un lot et écrit ses signalements ; rejoué, il ne refait rien s'il est fait."""
    lot = LotDetection.objects.select_related("execution").get(pk=lot_id)
    if lot.fait:
        return {"deja_fait": True}
    execution = lot.execution
    LotDetection.objects.filter(pk=lot_id).update(
        tentatives=F("tentatives") + 1, commence_le=timezone.now()
    )
    debut = time.perf_counter()
    foyers = charger_foyers(lot.foyers, execution.mois_cible)
    charge = time.perf_counter()
    resultats = moteur.simuler(foyers, execution.mois_cible)
    simule = time.perf_counter()
    en_cours: dict[int, set[str]] = {}
    for foyer_id, code in PrestationFoyer.objects.filter(
        foyer_id__parmi=lot.foyers, statut__in=STATUTS_EN_COURS
    ).values_list("foyer_id", "prestation_id"):
        en_cours.setdefault(foyer_id, set()).add(code)
    aides = _aides_a_domicile(lot.foyers)
    traces = {
        f.id: empreinte(f, en_cours.get(f.id, set()), f.id in aides)
        for f in foyers
        if f.id in resultats
    }
    # Proximité d'un seuil : seuls les foyers qui auront un signalement nouveau ou changé
    # d'une prestation légale sont re-simulés (ressources ± écart) ; un signalement inchangé
    # garde le seuil déjà calculé (`repris`).
    a_expliquer, repris = _a_re_simuler(foyers, resultats, en_cours, traces, execution.mois_cible)
    sensibles = (
        moteur.sensibilite(a_expliquer, execution.mois_cible, ecart_seuil(), taille_lot())
        if a_expliquer
        else {}
    )
    explique = time.perf_counter()
    catalogue = {p.code: p for p in Prestation.objects.filter(actif=True)}
    comptes: Counter = Counter()
    #: Ce que devient chaque droit probable (voir ExecutionDetection.bilan).
    bilan: Counter = Counter()
    incomplets = len(lot.foyers) - len(resultats)
    with transaction.atomic():
        lot = LotDetection.objects.select_for_update().get(pk=lot_id)
        if lot.fait:  # un autre worker l'a fini entre-temps
            return {"deja_fait": True}
        existants = _signalements_existants(lot.foyers)
        maintenant = timezone.now()
        ecritures = _Ecritures(maintenant)
        etats = []
        for foyer in foyers:
            if foyer.id not in resultats:
                continue
            codes_en_cours = en_cours.get(foyer.id, set())
            trace = traces[foyer.id]
            propositions = {
                e.prestation: (Decimal(str(e.montant)), "") for e in resultats[foyer.id]
            }
            estimations = {e.prestation: e for e in resultats[foyer.id]}
            sensibles_du_foyer = sensibles.get(foyer.id, {})
            legaux = set(propositions)
            for p in [
                *regles_locales.jeunes_adultes_sans_ressources(foyer, execution.mois_cible, legaux),
                *regles_locales.aines_isoles_sans_aide_a_domicile(
                    foyer, execution.mois_cible, foyer.id in aides
                ),
            ]:
                prestation = catalogue.get(p.prestation)
                if prestation is not None:
                    propositions[p.prestation] = (
                        prestation.montant_indicatif or Decimal(0),
                        p.raison,
                    )
            commune = explication(foyer, execution.mois_cible)  # une fois par foyer
            for code, (montant, raison) in propositions.items():
                comptes[code] += 1
                if code in codes_en_cours:
                    bilan["deja_demandes"] += 1
                    continue
                if code not in catalogue:
                    bilan["hors_catalogue"] += 1
                    continue
                bilan[
                    ecritures.signalement(
                        existants,
                        foyer,
                        code,
                        montant,
                        trace,
                        execution,
                        {
                            **expliquer(
                                commune, estimations[code], sensibles_du_foyer, set(estimations)
                            ),
                            **repris.get((foyer.id, code), {}),
                        }
                        if code in estimations
                        else {**commune, "raison": raison}
                        if raison
                        else commune,
                    )
                ] += 1
            # Un signalement ouvert que cette exécution ne retrouve plus est marqué comme tel.
            for code, (ouvert, _) in existants.get(foyer.id, {}).items():
                if ouvert and ouvert.toujours_detecte and code not in propositions:
                    ecritures.perdu(ouvert)
                    bilan["plus_detectes"] += 1
            etats.append(
                {
                    "foyer_id": foyer.id,
                    "simule_le": maintenant,
                    "empreinte": trace,
                    "execution_id": execution.pk,
                    "mois_cible": execution.mois_cible,
                    "estimations": {c: float(m) for c, (m, _) in propositions.items()},
                }
            )
        crees = ecritures.enregistrer()
        # Les foyers incomplets (sans date de naissance) sont vus aussi : pas de resimulation
        # incrémentale tant que rien ne change.
        vus = {f.id for f in foyers}
        etats += [
            {"foyer_id": i, "simule_le": maintenant, "empreinte": "", "execution_id": execution.pk}
            for i in lot.foyers
            if i not in resultats and i in vus
        ]
        inserer_ou_remplacer(
            EtatDetectionFoyer,
            etats,
            unique=["foyer"],
            champs=["simule_le", "empreinte", "execution", "mois_cible", "estimations"],
        )
        lot.fait = True
        lot.termine_le = maintenant
        lot.save(update_fields=["fait", "termine_le"])
        execution = ExecutionDetection.objects.select_for_update().get(pk=execution.pk)
        execution.traites += len(lot.foyers)
        execution.incomplets += incomplets
        execution.signalements_crees += crees
        total = Counter(execution.comptes)
        total.update(comptes)
        execution.comptes = dict(sorted(total.items()))
        cumul = Counter(execution.bilan)
        cumul.update(bilan)
        execution.bilan = dict(sorted(cumul.items()))
        execution.save(
            update_fields=["traites", "incomplets", "signalements_crees", "comptes", "bilan"]
        )
        reste = LotDetection.objects.filter(execution=execution, fait=False).exists()
    fin = time.perf_counter()
    journal.info(
        "Lot %s de l'exécution %s : %s foyers, chargement %.2f s, simulation %.2f s, "
        "proximité des seuils %.2f s (%s foyers), signalements %.2f s, %s créés",
        lot.numero,
        execution.pk,
        len(lot.foyers),
        charge - debut,
        simule - charge,
        explique - simule,
        len(a_expliquer),
        fin - explique,
        crees,
    )
    if not reste:
        cloturer(execution.pk)
    return {"foyers": len(lot.foyers), "signalements_crees": crees}


def _signalements_existants(foyers: list[int]) -> dict:
    """{foyer: {prestation: (signalement ouvert ou None, dernier clos ou None)}}."""
    existants: dict = {}
    for s in Signalement.objects.filter(foyer_id__parmi=foyers).order_by("cree_le", "pk"):
        du_foyer = existants.setdefault(s.foyer_id, {})
        ouvert, clos = du_foyer.get(s.prestation_id, (None, None))
        if s.etat in ETATS_OUVERTS:
            ouvert = s
        else:
            clos = s
        du_foyer[s.prestation_id] = (ouvert, clos)
    return existants


class _Ecritures:
    """Les écritures de signalements d'un lot, faites en masse à la fin : quelques requêtes par
    lot au lieu de deux par signalement (COPY sur PostgreSQL, voir ccas_portal.insertion)."""

    CHAMPS_REVUS = (
        "montant_estime",
        "empreinte",
        "execution",
        "explication",
        "toujours_detecte",
        "modifie_le",
    )

    def __init__(self, maintenant):
        self.maintenant = maintenant
        self.nouveaux: list[dict] = []  # lignes à insérer (sans instance : voir insertion.py)
        self.revus: list[Signalement] = []
        self.perdus: list[Signalement] = []

    def signalement(self, existants, foyer, code, montant, trace, execution, explique) -> str:
        """Met à jour le signalement ouvert s'il a changé (montant, faits, explication), ou en
        crée un (sauf clos sur les mêmes faits). Un signalement ouvert inchangé n'est pas
        réécrit : son exécution reste celle qui l'a repéré ou changé en dernier. Renvoie ce
        qu'est devenu le droit probable : « deja_signales », « clos_memes_faits » ou
        « nouveaux »."""
        ouvert, clos = existants.get(foyer.id, {}).get(code, (None, None))
        if ouvert is not None:
            avant = (ouvert.montant_estime, ouvert.empreinte, ouvert.explication)
            if avant != (montant, trace, explique) or not ouvert.toujours_detecte:
                ouvert.montant_estime = montant
                ouvert.empreinte = trace
                ouvert.execution = execution
                ouvert.explication = explique
                ouvert.toujours_detecte = True
                ouvert.modifie_le = self.maintenant
                self.revus.append(ouvert)
            return "deja_signales"
        if clos is not None and clos.empreinte == trace:
            return "clos_memes_faits"  # clos (non éligible, refus, droit ouvert), rien n'a changé
        self.nouveaux.append(
            {
                "foyer_id": foyer.id,
                "prestation_id": code,
                "montant_estime": montant,
                "execution_id": execution.pk,
                "explication": explique,
                "empreinte": trace,
            }
        )
        return "nouveaux"

    def perdu(self, ouvert: Signalement) -> None:
        """Un signalement ouvert que cette exécution ne retrouve plus."""
        ouvert.toujours_detecte = False
        ouvert.modifie_le = self.maintenant
        self.perdus.append(ouvert)

    def enregistrer(self) -> int:
        """Écrit tout ; renvoie le nombre de signalements créés. Leur création (état
        « nouveau ») est notée sur eux-mêmes (date de repérage) : leur historique ne reçoit
        que les changements faits ensuite par un agent."""
        crees = inserer_lignes(Signalement, self.nouveaux)
        mettre_a_jour_en_masse(Signalement, self.revus, self.CHAMPS_REVUS)
        mettre_a_jour_en_masse(Signalement, self.perdus, ["toujours_detecte", "modifie_le"])
        return crees


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
