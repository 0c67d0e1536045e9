"""L'historique daté du loyer d'un foyer et de la situation conjugale d'une personne.

Un seul endroit de vérité (ADR 0014) : `PeriodeLoyer` et `SituationConjugale`. La valeur en
cours est celle qui est en vigueur aujourd'hui ; la détection lit celle du mois simulé et le
dossier social (`?au=`) celle d'un jour passé, par les mêmes fonctions (`en_vigueur`).

Écritures (une transaction chacune, journalisées sur le foyer avec les valeurs d'avant, faits
du foyer marqués modifiés) : un nouveau loyer à une date clôt le précédent la veille ; une
nouvelle situation conjugale vaut jusqu'à la suivante ; une correction répare une erreur de
saisie sans créer de période. Les périodes d'un foyer ne se chevauchent pas.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ccas_portal.formats import de
from ccas_portal.models import Agent
from ccas_portal.validation import DEPUIS, EVENEMENT, NAISSANCE, verifier_date
from habitants.models import Foyer, Habitant, PeriodeLoyer, SituationConjugale
from habitants.services import SANS_LOYER, _exiger_travailleur_social, _photo, _verifier_acces
from habitants.services import _foyers_actuels as actuels
from habitants.services import _tracer as tracer

CHAMPS_LOYER = ("loyer_mensuel", "charges_mensuelles", "date_debut", "date_fin")
CHAMPS_CONJUGALE = ("statut", "date_debut")


def en_vigueur(periodes, jour: date):
    """La période en vigueur ce jour-là (la plus récente commencée, si elle n'est pas close
    avant), ou None. `periodes` : PeriodeLoyer ou SituationConjugale d'un même foyer ou d'une
    même personne, dans n'importe quel ordre."""
    commencees = [p for p in periodes if p.date_debut <= jour]
    if not commencees:
        return None
    derniere = max(commencees, key=lambda p: p.date_debut)
    fin = getattr(derniere, "date_fin", None)
    return derniere if fin is None or fin >= jour else None


def fins_implicites(situations) -> list:
    """Les situations conjugales de la plus récente à la plus ancienne, chacune avec `fin` :
    la veille de la suivante (None pour celle en cours)."""
    situations = sorted(situations, key=lambda s: s.date_debut, reverse=True)
    suivante = None
    for s in situations:
        s.fin = suivante.date_debut - timedelta(days=1) if suivante else None
        suivante = s
    return situations


def _photo_loyer(periode: PeriodeLoyer | None) -> dict[str, str]:
    return _photo(periode, CHAMPS_LOYER) if periode else {}


def _photo_conjugale(situation: SituationConjugale | None) -> dict[str, str]:
    return _photo(situation, CHAMPS_CONJUGALE) if situation else {}


def _autoriser(agent: Agent, objet, quoi: str) -> None:
    """Un travailleur social d'un site qui a accès au foyer ou à la personne (son site de
    rattachement, ou un partage en cours : `habitants.acces`)."""
    _exiger_travailleur_social(agent, quoi)
    _verifier_acces(agent, objet)


def _tracer(**kwargs) -> None:
    tracer(**kwargs)


# --- Loyer et charges -----------------------------------------------------------------------


def verifier_montants_loyer(loyer_mensuel, charges_mensuelles) -> None:
    """Un loyer indiqué (0 s'il n'y en a pas), des montants positifs (sans lire la base)."""
    if loyer_mensuel is None:
        raise ValidationError({"loyer_mensuel": "Indiquez le loyer mensuel (0 s'il n'y en a pas)."})
    erreurs = {
        champ: "Le montant ne peut pas être négatif."
        for champ, montant in (
            ("loyer_mensuel", loyer_mensuel),
            ("charges_mensuelles", charges_mensuelles),
        )
        if montant is not None and montant < 0
    }
    if erreurs:
        raise ValidationError(erreurs)


@transaction.atomic
def enregistrer_loyer(
    *,
    agent: Agent,
    foyer: Foyer,
    loyer_mensuel: Decimal,
    charges_mensuelles: Decimal | None,
    date_debut: date,
) -> PeriodeLoyer:
    """Un nouveau loyer (et ses charges) à partir de `date_debut` : la période précédente est
    close la veille. Pour une erreur de saisie, `corriger_loyer`."""
    _autoriser(agent, foyer, "Le loyer et les charges")
    if date_debut is None:
        raise ValidationError({"date_debut": "Indiquez depuis quand ce loyer est payé."})
    verifier_date(date_debut, DEPUIS, champ="date_debut")
    verifier_montants_loyer(loyer_mensuel, charges_mensuelles)
    if foyer.statut_occupation in SANS_LOYER and (loyer_mensuel or charges_mensuelles):
        raise ValidationError(
            {
                "loyer_mensuel": (
                    f"Pas de loyer pour le statut « {foyer.get_statut_occupation_display()} » : "
                    "changez d'abord le statut d'occupation."
                )
            }
        )
    # Verrouiller le foyer : deux nouveaux loyers simultanés ne clôtureraient pas la même période.
    Foyer.objects.select_for_update().filter(pk=foyer.pk).first()
    precedente = foyer.loyers.order_by("-date_debut").first()
    if precedente and date_debut <= precedente.date_debut:
        raise ValidationError(
            {
                "date_debut": (
                    f"Le loyer le plus récent court depuis le {precedente.date_debut:%d/%m/%Y} : "
                    "un nouveau loyer commence après. Pour une erreur de saisie, corrigez "
                    "cette période dans l'historique."
                )
            }
        )
    avant = _photo_loyer(precedente)
    if precedente and (precedente.date_fin is None or precedente.date_fin >= date_debut):
        precedente.date_fin = date_debut - timedelta(days=1)
        precedente.save(update_fields=["date_fin"])
    periode = PeriodeLoyer(
        foyer=foyer,
        loyer_mensuel=loyer_mensuel,
        charges_mensuelles=charges_mensuelles,
        date_debut=date_debut,
    )
    periode.full_clean()
    periode.save()
    _tracer(
        agent=agent,
        foyers=[foyer.pk],
        libelle="Nouveau loyer du foyer"
        + (f" (le précédent clos le {precedente.date_fin:%d/%m/%Y})" if precedente else ""),
        avant=avant,
        apres=_photo_loyer(periode),
        action="modification" if precedente else "creation",
    )
    return periode


@transaction.atomic
def corriger_loyer(*, agent: Agent, periode: PeriodeLoyer, **champs) -> PeriodeLoyer:
    """Corrige une période saisie (montants, dates), sans en créer : journalisé avec
    l'ancienne. Une date de fin posée ici termine le loyer (départ, fin de bail)."""
    inconnus = set(champs) - set(CHAMPS_LOYER)
    if inconnus:
        raise ValueError(f"Champs non modifiables ici : {sorted(inconnus)}")
    foyer = periode.foyer
    _autoriser(agent, foyer, "Le loyer et les charges")
    Foyer.objects.select_for_update().filter(pk=foyer.pk).first()
    periode.refresh_from_db()  # clos entre-temps par un nouveau loyer, peut-être
    avant = _photo_loyer(periode)
    for nom, valeur in champs.items():
        setattr(periode, nom, valeur)
    if periode.date_debut is None:
        raise ValidationError({"date_debut": "Indiquez depuis quand ce loyer est payé."})
    verifier_date(periode.date_debut, DEPUIS, champ="date_debut")
    verifier_date(periode.date_fin, EVENEMENT, champ="date_fin")
    verifier_montants_loyer(periode.loyer_mensuel, periode.charges_mensuelles)
    if periode.date_fin and periode.date_fin < periode.date_debut:
        raise ValidationError({"date_fin": "La date de fin précède le début de ce loyer."})
    autres = list(foyer.loyers.exclude(pk=periode.pk))
    fin = periode.date_fin or date.max
    for autre in autres:
        if autre.date_debut <= fin and periode.date_debut <= (autre.date_fin or date.max):
            du_au = f"du {autre.date_debut:%d/%m/%Y}" + (
                f" au {autre.date_fin:%d/%m/%Y}" if autre.date_fin else " (en cours)"
            )
            champ = "date_fin" if autre.date_debut > periode.date_debut else "date_debut"
            raise ValidationError(
                {champ: f"Cette période chevaucherait le loyer {du_au} : corrigez ses dates."}
            )
    periode.full_clean(validate_constraints=False)
    periode.save()
    _tracer(
        agent=agent,
        foyers=[foyer.pk],
        libelle=f"Loyer corrigé (période commencée le {periode.date_debut:%d/%m/%Y})",
        avant=avant,
        apres=_photo_loyer(periode),
    )
    return periode


# --- Situation conjugale --------------------------------------------------------------------


def verifier_date_conjugale(
    habitant: Habitant, date_debut: date | None, *, aujourd_hui: date | None = None
) -> None:
    """Une situation conjugale datée, plausible, pas avant la naissance (sans lire la base)."""
    if date_debut is None:
        raise ValidationError({"date_debut": "Indiquez depuis quand dure cette situation."})
    verifier_date(date_debut, NAISSANCE, champ="date_debut", aujourd_hui=aujourd_hui)
    if habitant.date_naissance and date_debut < habitant.date_naissance:
        raise ValidationError({"date_debut": "Cette date précède la naissance de la personne."})


def _foyers_actuels(habitant: Habitant) -> list[int]:
    return actuels(habitant)


@transaction.atomic
def enregistrer_situation_conjugale(
    *, agent: Agent, habitant: Habitant, statut: str, date_debut: date
) -> SituationConjugale:
    """Une nouvelle situation conjugale depuis `date_debut` : la précédente vaut jusqu'à la
    veille. Pour une erreur de saisie, `corriger_situation_conjugale`."""
    _autoriser(agent, habitant, "La situation conjugale")
    if not statut:
        raise ValidationError({"statut": "Choisissez la situation conjugale."})
    verifier_date_conjugale(habitant, date_debut)
    Habitant.objects.select_for_update().filter(pk=habitant.pk).first()
    actuelle = habitant.situations_conjugales.order_by("-date_debut").first()
    if actuelle and date_debut <= actuelle.date_debut:
        raise ValidationError(
            {
                "date_debut": (
                    f"La situation en cours date du {actuelle.date_debut:%d/%m/%Y} : une nouvelle "
                    "situation commence après. Pour une erreur de saisie, corrigez-la dans "
                    "l'historique."
                )
            }
        )
    if actuelle and actuelle.statut == statut:
        raise ValidationError(
            {
                "statut": (
                    f"C'est déjà la situation en cours (depuis le {actuelle.date_debut:%d/%m/%Y})."
                )
            }
        )
    situation = SituationConjugale(habitant=habitant, statut=statut, date_debut=date_debut)
    situation.full_clean()
    situation.save()
    _tracer(
        agent=agent,
        foyers=_foyers_actuels(habitant),
        libelle=f"Situation conjugale {de(habitant)}",
        avant=_photo_conjugale(actuelle),
        apres=_photo_conjugale(situation),
        habitant=habitant,
        action="modification" if actuelle else "creation",
    )
    return situation


@transaction.atomic
def corriger_situation_conjugale(
    *, agent: Agent, situation: SituationConjugale, statut: str, date_debut: date
) -> SituationConjugale:
    """Corrige une situation saisie (statut, date de début), journalisé avec l'ancienne."""
    habitant = situation.habitant
    _autoriser(agent, habitant, "La situation conjugale")
    if not statut:
        raise ValidationError({"statut": "Choisissez la situation conjugale."})
    verifier_date_conjugale(habitant, date_debut)
    autre = (
        habitant.situations_conjugales.exclude(pk=situation.pk)
        .filter(date_debut=date_debut)
        .first()
    )
    if autre:
        raise ValidationError(
            {"date_debut": f"Une autre situation commence déjà ce jour-là ({autre})."}
        )
    avant = _photo_conjugale(situation)
    situation.statut, situation.date_debut = statut, date_debut
    situation.full_clean(validate_constraints=False)
    situation.save()
    _tracer(
        agent=agent,
        foyers=_foyers_actuels(habitant),
        libelle=f"Situation conjugale {de(habitant)} corrigée",
        avant=avant,
        apres=_photo_conjugale(situation),
        habitant=habitant,
    )
    return situation
