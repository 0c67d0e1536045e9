import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from ccas_portal.formats import date_courte, euros
from ccas_portal.validation import EVENEMENT


def _euros(montant: Decimal) -> str:
    """« -10 000 € », « 100 000 € » (montants ronds des bornes)."""
    return f"{montant:,.0f}".replace(",", "\u202f").replace("-", "−") + " €"


def ans_avant(jour: date, ans: int) -> date:
    """La même date `ans` années plus tôt (le 29 février devient le 28)."""
    try:
        return jour.replace(year=jour.year - ans)
    except ValueError:
        return jour.replace(year=jour.year - ans, day=28)


#: Les types d'un fait d'axe ; « montant » : des euros, gardés en texte à deux décimales
#: (« 450.00 »), bornés par `minimum` et `maximum` du fait.
TYPES_FAIT = ("texte", "date", "booleen", "choix", "montant")


@dataclass(frozen=True)
class Fait:
    """Un fait propre à l'axe, saisi par le travailleur social dans l'accompagnement."""

    code: str
    libelle: str
    type: str = "texte"  # voir TYPES_FAIT
    choix: tuple[tuple[str, str], ...] = ()
    #: bornes d'un montant, en euros
    minimum: Decimal = Decimal("0")
    maximum: Decimal = Decimal("100000")

    def __post_init__(self):
        if self.type not in TYPES_FAIT:
            raise ValueError(f"Fait {self.code!r} : type {self.type!r} inconnu ({TYPES_FAIT}).")

    def afficher(self, valeur) -> str:
        """La valeur gardée (voir valider_faits), écrite pour une personne : « 1 234,50 € »,
        « 05/03/2026 », « oui », l'intitulé d'un choix ; « — » quand rien n'est saisi."""
        if valeur in (None, ""):
            return "—"
        if self.type == "montant" and (montant := lire_montant(valeur)) is not None:
            return euros(montant)
        if self.type == "date":
            return date_courte(valeur)
        if self.type == "booleen" or isinstance(valeur, bool):
            return "oui" if valeur else "non"
        if self.type == "choix":
            return dict(self.choix).get(valeur, str(valeur))
        return str(valeur)


def lire_montant(valeur) -> Decimal | None:
    """Un montant en euros écrit à la française ou non (« 1 234,50 € », « 450 », 450) ; None
    s'il est illisible."""
    if isinstance(valeur, bool):
        return None
    if isinstance(valeur, int | Decimal):
        montant = Decimal(valeur)
    else:
        texte = re.sub(r"[\s\u202f\xa0]", "", str(valeur)).removesuffix("€").replace(",", ".")
        if not re.fullmatch(r"-?\d{1,9}(\.\d{1,2})?", texte):
            return None
        montant = Decimal(texte)
    if not montant.is_finite() or montant != montant.quantize(Decimal("0.01")):
        return None
    return montant


#: Unités d'une entrée de calcul (`Entree.unite`), pour l'écrire en français.
UNITES_ENTREE = ("euros_mois", "euros_an", "nombre")


@dataclass(frozen=True)
class Entree:
    """Une variable intermédiaire d'OpenFisca sur laquelle le montant d'une prestation repose
    (« ressources retenues », « loyer retenu »…), relevée pour l'explication du signalement :
    variable de l'entité famille, mensuelle, de valeur numérique."""

    variable: str
    libelle: str
    unite: str = "euros_mois"  # voir UNITES_ENTREE
    #: Lue en moyenne mensuelle sur le trimestre de référence de la prestation (celui que sa
    #: formule moyenne : la prime d'activité du mois M est la moyenne de trois primes
    #: « fictives », calculées sur les ressources de M-3 à M-1), et non sur le mois cible : la
    #: valeur que le calcul a vraiment retenue (`moteur.moyenne_du_trimestre_de_reference`).
    trimestre: bool = False

    def __post_init__(self):
        if self.unite not in UNITES_ENTREE:
            raise ValueError(f"Entrée {self.variable!r} : unité {self.unite!r} inconnue.")


@dataclass(frozen=True)
class Composante:
    """Une des prestations exactes qu'une prestation du catalogue regroupe (l'aide au
    logement est une APL, une ALS ou une ALF selon OpenFisca) : sa variable OpenFisca
    (famille, mensuelle), son intitulé, et ce qui la fait choisir."""

    variable: str
    libelle: str
    condition: str


@dataclass(frozen=True)
class PrestationLegale:
    """Une prestation légale du catalogue, estimée par OpenFisca-France.

    `variables` : les variables OpenFisca dont la somme (mensuelle, en euros) estime le droit ;
    `entite` : l'entité OpenFisca qui porte ces variables (famille, menage, individu)."""

    code: str
    libelle: str
    variables: tuple[str, ...]
    entite: str = "famille"
    description: str = ""
    #: Variable booléenne d'éligibilité, pour un droit sans montant versé (couverture santé) :
    #: le droit est probable si elle est vraie (les `variables` donnent alors un montant
    #: indicatif, par exemple la participation due).
    eligibilite: str = ""
    #: Ce que le droit apporte (`FormePrestation`) : « versement » (de l'argent chaque mois)
    #: ou « couverture » (la complémentaire santé solidaire).
    forme: str = "versement"
    #: Pour une couverture (pas d'argent versé) : sa valeur annuelle documentée par personne
    #: couverte (€). Le montant estimé est alors la participation due par le foyer, et la
    #: file de travail range le signalement par « valeur de la couverture − participation »
    #: (voir docs/detection.md, « Ordre de la file de travail »).
    valeur_couverture_annuelle: Decimal | None = None
    #: Les prestations exactes regroupées (famille) : l'explication du signalement dit
    #: laquelle le foyer toucherait (celles dont le montant n'est pas nul).
    composantes: tuple[Composante, ...] = ()
    #: L'unique variable de la prestation est la somme de ses composantes, qui s'excluent
    #: (aide_logement = apl + als + alf dans OpenFisca-France) : une composante que le calcul
    #: n'a pas gardée en cache se déduit du total et des autres (`moteur.simuler`).
    somme_des_composantes: bool = False
    #: Les entrées de calcul relevées pour l'explication (famille seulement).
    entrees: tuple[Entree, ...] = ()
    #: Ce qu'il faut vérifier avec la personne quand le foyer est proche d'un seuil.
    a_verifier: str = ""


@dataclass(frozen=True)
class Indicateur:
    """Un indicateur propre à l'axe, compté par le tableau de bord (ccas_portal/pilotage).

    `source` : ce qui est compté, dans la période et les sites choisis —
    "accompagnements" (accompagnements de l'axe actifs dans la période), "clotures"
    (accompagnements de l'axe clos dans la période), "interventions" (de l'axe),
    "prestations" (aides accordées ou perçues à partir de la période, tous axes),
    "seances" / "participants" (actions collectives).
    `condition` : les lignes de la source qui comptent, en recherches de l'ORM sur cette
    source ; une fonction de la date de fin de période si la condition en dépend (âges)."""

    code: str
    libelle: str
    source: str
    condition: dict | Callable[[date], dict] = field(default_factory=dict)

    def recherches(self, fin: date) -> dict:
        return self.condition(fin) if callable(self.condition) else self.condition


@dataclass(frozen=True)
class DefinitionAxe:
    """Ce qu'un axe de droits fondamentaux déclare de lui-même, en un seul endroit.

    Les issues suivantes y ajoutent ses types d'intervention, modèles d'objectifs, faits
    spécifiques, prestations du catalogue, règles de détection et indicateurs.
    """

    code: str
    ordre: int
    libelle: str  # l'intitulé du plan stratégique
    libelle_court: str
    description: str
    #: Motifs de passage à l'accueil proposés pour cet axe : (code, intitulé).
    motifs_accueil: tuple[tuple[str, str], ...] = ()
    #: Types d'intervention propres à l'axe, en plus des types communs : (code, intitulé).
    types_intervention: tuple[tuple[str, str], ...] = ()
    #: Modèles d'objectifs proposés à l'ouverture d'un plan d'action.
    modeles_objectifs: tuple[str, ...] = ()
    #: Faits propres à l'axe, saisis dans l'accompagnement.
    faits: tuple[Fait, ...] = ()
    #: Prestations légales rattachées à l'axe (catalogue, détection du non-recours).
    prestations: tuple[PrestationLegale, ...] = ()
    #: Indicateurs du tableau de bord de l'axe.
    indicateurs: tuple[Indicateur, ...] = ()

    def valider_faits(self, donnees: dict) -> dict:
        """Les faits saisis, nettoyés (dates ISO, booléens, montants « 450.00 ») ;
        ValidationError en français."""
        connus = {fait.code: fait for fait in self.faits}
        erreurs, propres = {}, {}
        for code, valeur in donnees.items():
            fait = connus.get(code)
            if fait is None:
                erreurs[code] = f"Fait inconnu pour l'axe « {self.libelle_court} »."
                continue
            if valeur in (None, ""):
                continue
            if fait.type == "date":
                try:
                    jour = date.fromisoformat(str(valeur))
                except ValueError:
                    erreurs[code] = f"{fait.libelle} : date attendue (AAAA-MM-JJ)."
                    continue
                hors_plage = EVENEMENT.erreur(jour)
                if hors_plage:
                    erreurs[code] = f"{fait.libelle} : {hors_plage[0].lower()}{hors_plage[1:]}"
                else:
                    propres[code] = jour.isoformat()
            elif fait.type == "montant":
                montant = lire_montant(valeur)
                if montant is None:
                    erreurs[code] = (
                        f"{fait.libelle} : montant en euros attendu, par exemple 350 ou 350,50."
                    )
                elif not fait.minimum <= montant <= fait.maximum:
                    erreurs[code] = (
                        f"{fait.libelle} : montant attendu entre {_euros(fait.minimum)} "
                        f"et {_euros(fait.maximum)}."
                    )
                else:
                    propres[code] = f"{montant:.2f}"
            elif fait.type == "booleen":
                if not isinstance(valeur, bool):
                    erreurs[code] = f"{fait.libelle} : oui ou non attendu."
                else:
                    propres[code] = valeur
            elif fait.type == "choix":
                if valeur not in dict(fait.choix):
                    erreurs[code] = f"{fait.libelle} : choix « {valeur} » inconnu."
                else:
                    propres[code] = valeur
            else:
                texte = str(valeur).strip()
                if len(texte) > 500:
                    erreurs[code] = f"{fait.libelle} : 500 caractères au plus."
                else:
                    propres[code] = texte
        if erreurs:
            raise ValidationError(erreurs)
        return propres
