"""Le français des textes du portail : accords en nombre et en genre, élision, montants, dates,
temps écoulé. Une fonction par règle, utilisée par les gabarits (filtres de
`ccas_portal.templatetags.francais`, chargés partout) et par les textes écrits en Python.

En français, 0 et 1 sont au singulier (« 0 personne trouvée », « 1 signalement ») ; le pluriel
commence à 2. Les nombres et montants s'écrivent avec une espace fine insécable entre les
milliers (U+202F), une virgule décimale et une espace insécable (U+00A0) avant « € » :
« 1 250,00 € ».
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

#: Séparateur des milliers (espace fine insécable) et espace avant l'unité (insécable).
MILLIERS = "\u202f"
AVANT_UNITE = "\u00a0"

VOYELLES = set("aeiouyàâäéèêëîïôöùûüœæ")


def est_pluriel(n) -> bool:
    """Vrai à partir de 2 (en valeur absolue) : 0 et 1 sont au singulier en français."""
    try:
        return abs(n) >= 2
    except TypeError:
        return False


def accord(n, singulier: str, pluriel: str | None = None) -> str:
    """Le mot accordé au nombre, sans le nombre : accord(2, "personne") → « personnes »."""
    return (pluriel or singulier + "s") if est_pluriel(n) else singulier


def compte(n, singulier: str, pluriel: str | None = None, zero: str | None = None) -> str:
    """Le nombre et son nom accordé : « 0 personne trouvée », « 3 nouveaux signalements » ;
    `zero` remplace le tout quand n vaut 0 (« aucun nouveau signalement »)."""
    if zero is not None and n == 0:
        return zero
    return f"{nombre(n)} {accord(n, singulier, pluriel)}"


def genre(sexe: str, masculin: str, feminin: str, neutre: str | None = None) -> str:
    """Le mot accordé au sexe de la personne (« F », « M ») ; neutre quand il n'est pas connu :
    « né(e) » par défaut, formé du masculin et de ce que le féminin y ajoute."""
    if sexe == "F":
        return feminin
    if sexe == "M":
        return masculin
    if neutre is not None:
        return neutre
    if feminin.startswith(masculin):
        return f"{masculin}({feminin[len(masculin) :]})"
    return f"{masculin} ou {feminin}"


def commence_par_voyelle(mot: str) -> bool:
    """Vrai si « de » s'élide devant ce mot : voyelle, h muet (h suivi d'une voyelle : Hélène,
    Hugo) ; un y suivi d'une voyelle se prononce comme une consonne (Yannick, Yasmine)."""
    mot = (mot or "").strip().lower()
    if not mot:
        return False
    premiere = mot[0]
    suivante = mot[1] if len(mot) > 1 else ""
    if premiere == "y":
        return suivante not in VOYELLES
    if premiere == "h":
        return suivante in VOYELLES - {"y"}
    return premiere in VOYELLES


def de(nom) -> str:
    """« de Martin », « d'Antoine », « d'Hélène », « d'ABDELLI Karim » ; rien sans nom."""
    texte = "" if nom is None else str(nom).strip()
    if not texte:
        return ""
    return f"d'{texte}" if commence_par_voyelle(texte) else f"de {texte}"


def _grouper(entier: str) -> str:
    """« 1250000 » → « 1 250 000 » (espaces fines insécables)."""
    groupes = []
    while len(entier) > 3:
        groupes.insert(0, entier[-3:])
        entier = entier[:-3]
    groupes.insert(0, entier)
    return MILLIERS.join(groupes)


def nombre(valeur, decimales: int = 0) -> str:
    """Un nombre à la française : « 1 250 », « 1 250,50 » (decimales=2), « -3 »."""
    if valeur is None or valeur == "":
        return ""
    try:
        d = Decimal(str(valeur))
    except (InvalidOperation, ValueError):
        return str(valeur)
    if not d.is_finite():
        return str(valeur)
    d = d.quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP)
    signe = "-" if d < 0 else ""
    entier, _, fraction = f"{abs(d):f}".partition(".")
    texte = signe + _grouper(entier)
    return f"{texte},{fraction}" if decimales else texte


def euros(montant, decimales: int = 2) -> str:
    """Un montant en euros à la française : « 250,00 € », « 1 250,00 € » ; « — » s'il manque."""
    if montant is None or montant == "":
        return "—"
    texte = nombre(montant, decimales)
    return f"{texte}{AVANT_UNITE}€"


def date_courte(valeur) -> str:
    """jj/mm/aaaa pour une date, un datetime (heure de Paris) ou une date ISO (« 2024-03-01 »)."""
    if valeur is None or valeur == "":
        return ""
    if isinstance(valeur, str):
        try:
            valeur = date.fromisoformat(valeur)
        except ValueError:
            return valeur
    if isinstance(valeur, datetime):
        if timezone.is_aware(valeur):
            valeur = timezone.localtime(valeur)
        valeur = valeur.date()
    return f"{valeur:%d/%m/%Y}"


def il_y_a(moment: datetime | None, maintenant: datetime | None = None) -> str:
    """Le temps écoulé, en français : « à l'instant » (moins d'une minute), « il y a 1 minute »,
    « il y a 3 heures », « il y a 2 jours » ; un moment à venir (horloges décalées) compte
    comme l'instant."""
    if moment is None:
        return ""
    maintenant = maintenant or timezone.now()
    if timezone.is_aware(maintenant) != timezone.is_aware(moment):
        # Compare un datetime naïf à l'heure locale.
        if timezone.is_aware(maintenant):
            moment = timezone.make_aware(moment)
        else:
            maintenant = timezone.make_aware(maintenant)
    secondes = int((maintenant - moment).total_seconds())
    if secondes < 60:
        return "à l'instant"
    minutes = secondes // 60
    if minutes < 60:
        return f"il y a {compte(minutes, 'minute')}"
    heures = minutes // 60
    if heures < 24:
        return f"il y a {compte(heures, 'heure')}"
    jours = heures // 24
    if jours < 31:
        return f"il y a {compte(jours, 'jour')}"
    mois = jours // 30
    if mois < 12:
        return f"il y a {mois} mois"
    return f"il y a {compte(jours // 365, 'an')}"


def retard_en_jours(echeance: date | None, aujourd_hui: date | None = None) -> int:
    """Le nombre de jours de retard d'une échéance (0 si elle n'est pas dépassée ou absente)."""
    if echeance is None:
        return 0
    aujourd_hui = aujourd_hui or timezone.localdate()
    return max(0, (aujourd_hui - echeance).days)
