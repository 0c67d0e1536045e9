"""L'évaluation budgétaire d'un foyer et le contrôle d'éligibilité d'une aide facultative.

`evaluer` lit le dossier social (membres à la date, ressources datées en cours, loyer et
charges en vigueur) ; le travailleur social peut la compléter (autres charges, ressources non
enregistrées). `controler` confronte ces faits aux conditions d'un type d'aide du règlement :
fonction pure, chaque condition avec son explication.

Unités de consommation : échelle de l'OCDE modifiée, celle de l'INSEE (1 pour le premier
adulte, 0,5 pour chaque autre personne de 14 ans ou plus, 0,3 pour chaque enfant de moins de
14 ans).
"""

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from ccas_portal.formats import euros
from habitants.historique import en_vigueur
from habitants.models import MembreFoyer, PeriodeLoyer, Ressource

CENTIME = Decimal("0.01")


def age_a(naissance: date | None, jour: date) -> int | None:
    if naissance is None:
        return None
    return jour.year - naissance.year - ((jour.month, jour.day) < (naissance.month, naissance.day))


def unites_de_consommation(ages: list[int | None]) -> Decimal:
    """Échelle de l'OCDE modifiée ; un âge inconnu compte comme un adulte."""
    if not ages:
        return Decimal("0")
    adultes = sorted(ages, key=lambda a: -(a if a is not None else 99))
    uc = Decimal("1")
    for age in adultes[1:]:
        uc += Decimal("0.3") if age is not None and age < 14 else Decimal("0.5")
    return uc


@dataclass
class Evaluation:
    jour: str
    personnes: int
    ages: list
    unites_consommation: str
    ressources: str
    charges_logement: str
    autres_charges: str = "0"
    ressources_complementaires: str = "0"
    commentaire: str = ""
    reste_a_vivre: str = "0"
    reste_a_vivre_uc: str | None = None
    code_insee: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def rav_uc(self) -> Decimal | None:
        return None if self.reste_a_vivre_uc is None else Decimal(self.reste_a_vivre_uc)


def calculer(
    *,
    jour: date,
    ages: list[int | None],
    ressources: Decimal,
    charges_logement: Decimal,
    autres_charges: Decimal = Decimal("0"),
    ressources_complementaires: Decimal = Decimal("0"),
    commentaire: str = "",
    code_insee: str = "",
) -> Evaluation:
    """Reste à vivre mensuel = ressources − charges ; par unité de consommation."""
    uc = unites_de_consommation(ages)
    reste = ressources + ressources_complementaires - charges_logement - autres_charges
    par_uc = (reste / uc).quantize(CENTIME, rounding=ROUND_HALF_UP) if uc else None
    return Evaluation(
        jour=jour.isoformat(),
        personnes=len(ages),
        ages=ages,
        unites_consommation=str(uc),
        ressources=str(ressources),
        charges_logement=str(charges_logement),
        autres_charges=str(autres_charges),
        ressources_complementaires=str(ressources_complementaires),
        commentaire=commentaire,
        reste_a_vivre=str(reste.quantize(CENTIME)),
        reste_a_vivre_uc=None if par_uc is None else str(par_uc),
        code_insee=code_insee,
    )


def evaluer(
    foyer,
    jour: date,
    *,
    autres_charges: Decimal = Decimal("0"),
    ressources_complementaires: Decimal = Decimal("0"),
    commentaire: str = "",
) -> Evaluation:
    """L'évaluation depuis le dossier social du foyer, à la date `jour` (trois requêtes)."""
    membres = list(
        MembreFoyer.objects.filter(foyer=foyer, date_debut__lte=jour)
        .filter(Q(date_fin__isnull=True) | Q(date_fin__gte=jour))
        .select_related("habitant")
    )
    ids = [m.habitant_id for m in membres]
    ressources = sum(
        (
            r.montant_mensuel
            for r in Ressource.objects.filter(habitant_id__in=ids, date_debut__lte=jour).filter(
                Q(date_fin__isnull=True) | Q(date_fin__gte=jour)
            )
        ),
        Decimal("0"),
    )
    loyer = en_vigueur(list(PeriodeLoyer.objects.filter(foyer=foyer)), jour)
    charges = (
        (loyer.loyer_mensuel or Decimal("0")) + (loyer.charges_mensuelles or Decimal("0"))
        if loyer
        else Decimal("0")
    )
    return calculer(
        jour=jour,
        ages=[age_a(m.habitant.date_naissance, jour) for m in membres],
        ressources=ressources,
        charges_logement=charges,
        autres_charges=autres_charges,
        ressources_complementaires=ressources_complementaires,
        commentaire=commentaire,
        code_insee=foyer.code_insee,
    )


@dataclass
class Condition:
    libelle: str
    remplie: bool | None  # None : impossible à vérifier (fait manquant)
    explication: str


@dataclass
class Controle:
    conditions: list[Condition] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return all(c.remplie for c in self.conditions)

    @property
    def lignes(self) -> list[dict]:
        return [asdict(c) for c in self.conditions]


def controler(
    type_aide,
    *,
    evaluation: Evaluation,
    age_beneficiaire: int | None,
    montant: Decimal | None,
    deja_accorde_12_mois: Decimal,
    code_insee_commune: str,
) -> Controle:
    """Les conditions du type d'aide, vérifiées une à une sur les faits du foyer."""
    controle = Controle()
    ajouter = controle.conditions.append
    if type_aide.seuil_reste_a_vivre_uc is not None:
        seuil = type_aide.seuil_reste_a_vivre_uc
        rav = evaluation.rav_uc
        if rav is None:
            ajouter(Condition("Reste à vivre", None, "Composition du foyer inconnue."))
        else:
            ajouter(
                Condition(
                    "Reste à vivre par unité de consommation",
                    rav < seuil,
                    f"{euros(rav)} par mois et par unité de consommation "
                    f"({'sous' if rav < seuil else 'au-dessus du'} seuil de {euros(seuil)}).",
                )
            )
    if type_aide.age_min is not None or type_aide.age_max is not None:
        bornes = (
            f"de {type_aide.age_min} à {type_aide.age_max} ans"
            if type_aide.age_min is not None and type_aide.age_max is not None
            else f"{type_aide.age_min} ans ou plus"
            if type_aide.age_min is not None
            else f"{type_aide.age_max} ans ou moins"
        )
        if age_beneficiaire is None:
            ajouter(Condition("Âge", None, f"Âge du bénéficiaire inconnu (réservé : {bornes})."))
        else:
            ok = (type_aide.age_min is None or age_beneficiaire >= type_aide.age_min) and (
                type_aide.age_max is None or age_beneficiaire <= type_aide.age_max
            )
            ajouter(Condition("Âge", ok, f"Bénéficiaire de {age_beneficiaire} ans ({bornes})."))
    if type_aide.residence_commune:
        ok = evaluation.code_insee == code_insee_commune
        ajouter(
            Condition(
                "Résidence dans la commune",
                ok,
                "Le foyer réside dans la commune."
                if ok
                else f"Le foyer réside hors de la commune (code INSEE {evaluation.code_insee}).",
            )
        )
    if montant is not None:
        ok = montant <= type_aide.plafond_demande
        ajouter(
            Condition(
                "Plafond par demande",
                ok,
                f"{euros(montant)} demandés pour un plafond de {euros(type_aide.plafond_demande)}.",
            )
        )
        if type_aide.plafond_12_mois is not None:
            total = deja_accorde_12_mois + montant
            ok = total <= type_aide.plafond_12_mois
            ajouter(
                Condition(
                    "Plafond sur 12 mois",
                    ok,
                    f"{euros(deja_accorde_12_mois)} déjà accordés au foyer sur 12 mois ; avec "
                    f"cette demande, {euros(total)} pour un plafond de "
                    f"{euros(type_aide.plafond_12_mois)}.",
                )
            )
    return controle
