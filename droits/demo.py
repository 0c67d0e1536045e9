"""Prestations de démonstration : la plupart des foyers qui ont droit à une prestation la
perçoivent déjà (comme en réalité), pour que la détection ne signale que le non-recours
plausible, pas tous les droits.

Les droits probables sont estimés ici à grands traits (composition, âges, ressources actuelles
par unité de consommation, logement), un peu plus largement que ne le fait OpenFisca : un foyer
que la détection trouverait éligible est presque toujours repéré ici. Chacun de ces droits est
ensuite enregistré comme perçu avec la probabilité `TAUX_DE_RECOURS` de la prestation ; le reste
est ce que la détection signale."""

import random
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from ccas_portal.enums import Role
from ccas_portal.insertion import inserer_lignes
from ccas_portal.models import Agent
from droits.enums import SourcePrestation, StatutPrestation
from droits.models import Prestation, PrestationFoyer
from droits.services import verifier_dates_prestation, verifier_versement
from habitants.enums import RoleMembre, TypeRessource
from habitants.models import Foyer, MembreFoyer, Ressource

MONTANTS = {
    "rsa": Decimal("646.52"),
    "prime_activite": Decimal("187.00"),
    "aide_logement": Decimal("250.00"),
    "css_gratuite": None,
    "css_participation": Decimal("18.00"),
    "aspa": Decimal("300.00"),
    "allocations_familiales": Decimal("151.05"),
    "complement_familial": Decimal("184.07"),
    "asf": Decimal("199.19"),
    "paje_base": Decimal("184.81"),
    "aide_facultative_jeunes": Decimal("250.00"),
    "aide_domicile": None,
}
#: Part des foyers ayant droit qui perçoivent déjà la prestation : le non-recours est plus
#: fréquent pour la complémentaire santé, l'ASPA et les aides du CCAS que pour les prestations
#: familiales et les aides au logement.
TAUX_DE_RECOURS = {
    "rsa": 0.85,
    "prime_activite": 0.8,
    "aide_logement": 0.92,
    "css_gratuite": 0.85,
    "css_participation": 0.8,
    "aspa": 0.7,
    "allocations_familiales": 0.95,
    "complement_familial": 0.85,
    "asf": 0.8,
    "paje_base": 0.92,
    "aide_facultative_jeunes": 0.6,
    "aide_domicile": 0.7,
}


def _age(naissance, jour):
    return jour.year - naissance.year - ((jour.month, jour.day) < (naissance.month, naissance.day))


class Personne(NamedTuple):
    role: str
    age: int | None
    #: Ressources mensuelles actuelles, dont salaires et pensions (retraite, invalidité).
    revenus: Decimal = Decimal(0)
    salaires: Decimal = Decimal(0)
    pensions: Decimal = Decimal(0)


#: Repères mensuels (2026, arrondis) : RSA d'une personne seule, plafond de la complémentaire
#: santé solidaire sans participation pour une personne, ASPA et ASI (avec la pension) d'une
#: personne seule.
RSA_SEUL = 646
PLAFOND_CSS = 847
ASPA_SEUL = 1034
ASI_SEUL = 900


def _prestations_familiales(enfants: list[int], seul: bool) -> int:
    """Allocations familiales, complément familial, allocation de soutien familial (parent
    seul), PAJE : à peu près, par mois."""
    n = len(enfants)
    montant = 0 if n < 2 else 151 + 194 * (n - 2)
    if sum(1 for a in enfants if a >= 3) >= 3:
        montant += 184
    if seul:
        montant += 200 * n
    if any(a < 3 for a in enfants):
        montant += 185
    return montant


def droits_probables(*, statut_occupation: str, personnes: list[Personne]) -> list[str]:
    """Les prestations auxquelles le foyer a probablement droit, à grands traits (une
    imitation grossière des règles d'OpenFisca, réglée sur ce que la détection trouve dans la
    population de démonstration)."""
    ages = [40 if p.age is None else p.age for p in personnes]
    total = float(sum(p.revenus for p in personnes))
    salaires = float(sum(p.salaires for p in personnes))
    # Unités de consommation (échelle de l'OCDE modifiée).
    uc = 1 + sum(0.5 if a >= 14 else 0.3 for a in ages[1:])
    par_uc = total / uc
    parents = (RoleMembre.DEMANDEUR, RoleMembre.CONJOINT)
    enfants = [a for p, a in zip(personnes, ages, strict=True) if p.role not in parents and a < 20]
    adultes = len(personnes) - len(enfants)
    conjoint = any(p.role == RoleMembre.CONJOINT for p in personnes)
    aines = sum(1 for a in ages if a >= 65)
    familiales = _prestations_familiales(enfants, seul=not conjoint)
    # Prime d'activité : jusqu'à environ 1,5 smic pour une personne seule.
    ppa = 0 if not salaires or par_uc >= 2300 else 150 if par_uc < 1500 else 60
    # RSA : ressources (prestations familiales comprises) sous le montant forfaitaire.
    parts = 1 + 0.5 * (adultes >= 2 or bool(enfants))
    parts += sum(0.3 if rang < 2 else 0.4 for rang in range(len(enfants) - (not conjoint)))
    # Retraite ou pension d'invalidité : ASPA ou allocation supplémentaire d'invalidité
    # plutôt que RSA ; elles comptent dans les ressources de la complémentaire santé.
    pensionnes = sum(1 for p in personnes if p.pensions)
    invalides = sum(1 for p, a in zip(personnes, ages, strict=True) if p.pensions and a < 60)
    rsa = (
        not aines
        and not pensionnes
        and (any(a >= 25 for a in ages) or bool(enfants))
        and total + familiales < RSA_SEUL * parts
    )
    droits = []
    if rsa:
        droits.append("rsa")
    if ppa:
        droits.append("prime_activite")
    # Aide au logement : locataires, et résidents d'un foyer ou d'une résidence sociale.
    logement = statut_occupation.startswith("locataire") or statut_occupation == "foyer_residence"
    if logement and par_uc < 1700:
        droits.append("aide_logement")
    # Complémentaire santé solidaire : gratuite avec le RSA ; sinon, ressources (prestations
    # familiales, prime d'activité, ASPA comprises) sous le plafond, ou 35 % au-dessus avec
    # participation.
    n = len(personnes)
    plafond = PLAFOND_CSS * ([1, 1.5, 1.8, 2.1][min(n, 4) - 1] + 0.4 * max(0, n - 4))
    # Ressources de la complémentaire santé : prestations familiales et forfait logement
    # compris ; une pension d'invalidité est complétée par l'ASI.
    forfait_logement = (0, 78, 155, 192)[min(n, 3)]
    base = total + familiales + forfait_logement
    if invalides:
        base = max(base, ASI_SEUL * (1.5 if conjoint else 1))
    if aines:
        base = max(base, ASPA_SEUL * (1.55 if aines >= 2 else 1))
    if rsa or not total or base <= plafond:
        droits.append("css_gratuite")
    elif base <= 1.35 * plafond:
        droits.append("css_participation")
    if aines and par_uc < 1200:
        droits.append("aspa")
    if len(enfants) >= 2:
        droits.append("allocations_familiales")
    if sum(1 for a in enfants if a >= 3) >= 3 and par_uc < 1600:
        droits.append("complement_familial")
    if enfants and not conjoint:
        droits.append("asf")
    if any(a < 3 for a in enfants) and par_uc < 2000:
        droits.append("paje_base")
    if not rsa and any(
        18 <= a <= 24 and not p.revenus for p, a in zip(personnes, ages, strict=True)
    ):
        droits.append("aide_facultative_jeunes")
    if n == 1 and ages[0] >= 75:
        droits.append("aide_domicile")
    return droits


def _premier_du_mois_suivant(jour: date) -> date:
    return date(jour.year + jour.month // 12, jour.month % 12 + 1, 1)


def _debut(code: str, hasard, aujourd_hui: date, demandeur, personnes) -> date:
    """Versée depuis un mois de l'an dernier, mais pas avant l'arrivée du demandeur dans le
    foyer ni, pour la PAJE, avant la naissance du plus jeune enfant."""
    debut = date(aujourd_hui.year - 1, hasard.randint(1, 12), 1)
    au_plus_tot = demandeur[4]
    if code == "paje_base":
        naissances = [p[3] for p in personnes if p[3] and p[2] is not None and p[2] < 3]
        au_plus_tot = max([au_plus_tot, *naissances])
    return min(aujourd_hui, max(debut, _premier_du_mois_suivant(au_plus_tot)))


@transaction.atomic
def creer_prestations(
    *, foyers=None, proportion: float = 1.0, graine: int = 2015, lot: int = 5000
) -> int:
    """Prestations perçues par les ``foyers`` (tous par défaut) qui y ont probablement droit :
    chacune avec la probabilité de `TAUX_DE_RECOURS` (multipliée par ``proportion``)."""
    hasard = random.Random(graine)
    auteur = Agent.objects.filter(role=Role.TRAVAILLEUR_SOCIAL).order_by("pk").first()
    if auteur is None:
        return 0
    # Les prestations au catalogue seulement (le service refuse une prestation retirée).
    catalogue = set(Prestation.objects.filter(actif=True).values_list("code", flat=True))
    sources = [s.value for s in SourcePrestation]
    aujourd_hui = date.today()
    regles = timezone.localdate()  # le jour des règles du service, lu une fois
    foyers = Foyer.objects.all() if foyers is None else foyers
    ids = list(foyers.order_by("pk").values_list("pk", "statut_occupation"))
    total = 0
    for depart in range(0, len(ids), lot):
        tranche = dict(ids[depart : depart + lot])
        membres: dict[int, list] = defaultdict(list)
        for foyer_id, habitant_id, role, naissance, arrivee in (
            MembreFoyer.objects.filter(foyer_id__in=tranche, date_fin__isnull=True)
            .order_by("foyer_id", "pk")
            .values_list(
                "foyer_id", "habitant_id", "role", "habitant__date_naissance", "date_debut"
            )
        ):
            age = _age(naissance, aujourd_hui) if naissance else None
            membres[foyer_id].append((habitant_id, role, age, naissance, arrivee))
        revenus: dict[int, Decimal] = defaultdict(Decimal)
        salaires: dict[int, Decimal] = defaultdict(Decimal)
        pensions: dict[int, Decimal] = defaultdict(Decimal)
        habitants = [m[0] for liste in membres.values() for m in liste]
        for habitant_id, type_, montant in Ressource.objects.filter(
            habitant_id__in=habitants, date_fin__isnull=True
        ).values_list("habitant_id", "type", "montant_mensuel"):
            revenus[habitant_id] += montant
            if type_ == TypeRessource.SALAIRE_NET:
                salaires[habitant_id] += montant
            elif type_ in (TypeRessource.RETRAITE, TypeRessource.PENSION_INVALIDITE):
                pensions[habitant_id] += montant
        a_creer = []
        for foyer_id, statut in tranche.items():
            if foyer_id not in membres:
                continue
            personnes = membres[foyer_id]
            demandeur = next((p for p in personnes if p[1] == RoleMembre.DEMANDEUR), personnes[0])
            droits = droits_probables(
                statut_occupation=statut,
                personnes=[
                    Personne(role, age, revenus[pk], salaires[pk], pensions[pk])
                    for pk, role, age, _, _ in personnes
                ],
            )
            for code in droits:
                if code not in catalogue or hasard.random() >= proportion * TAUX_DE_RECOURS[code]:
                    continue
                debut = _debut(code, hasard, aujourd_hui, demandeur, personnes)
                # Les règles d'`enregistrer_prestation` (le bénéficiaire, un membre actuel du
                # foyer, est pris parmi eux).
                verifier_dates_prestation(
                    date_demande=None, date_debut=debut, date_fin=None, aujourd_hui=regles
                )
                verifier_versement(
                    statut=StatutPrestation.PERCUE,
                    date_debut=debut,
                    date_fin=None,
                    montant_mensuel=MONTANTS[code],
                )
                # Des lignes {attname: valeur} plutôt que des instances : deux fois plus vite.
                a_creer.append(
                    {
                        "foyer_id": foyer_id,
                        "prestation_id": code,
                        "beneficiaire_id": demandeur[0],
                        "statut": StatutPrestation.PERCUE.value,
                        "date_debut": debut,
                        "montant_mensuel": MONTANTS[code],
                        "source": hasard.choice(sources),
                        "saisi_par_id": auteur.pk,
                    }
                )
        total += inserer_lignes(PrestationFoyer, a_creer)
    return total
