"""Les chiffres d'un budget annuel : voté, engagé (accordé, pas encore payé), payé, restant.

Une décision accordée compte dans le budget de son année (date de décision) et de son type
d'aide (code) : celui du site de la demande s'il en a un, sinon celui de tout le CCAS (qui ne
compte donc pas les sites dotés de leur propre budget). Alerte à 90 % consommés.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from droits.instruction.enums import SensDecision
from droits.instruction.models import Budget, Decision, Paiement

SEUIL_ALERTE = Decimal("0.90")
ZERO = Decimal("0")


@dataclass
class ChiffresBudget:
    budget: Budget
    vote: Decimal
    accorde: Decimal
    paye: Decimal

    @property
    def engage(self) -> Decimal:
        return self.accorde - self.paye

    @property
    def restant(self) -> Decimal:
        return self.vote - self.accorde

    @property
    def taux(self) -> Decimal:
        return (self.accorde / self.vote) if self.vote else Decimal("1")

    @property
    def pourcentage(self) -> int:
        return int((self.taux * 100).to_integral_value())

    @property
    def alerte(self) -> bool:
        return self.taux >= SEUIL_ALERTE


def budget_de(*, annee: int, code_type: str, site_id: int) -> Budget | None:
    """Le budget qui porte une décision : celui du site, sinon celui de tout le CCAS."""
    budgets = {
        b.site_id: b
        for b in Budget.objects.filter(annee=annee, code_type=code_type).filter(
            Q(site_id=site_id) | Q(site__isnull=True)
        )
    }
    return budgets.get(site_id) or budgets.get(None)


def chiffres(budget: Budget) -> ChiffresBudget:
    """Les chiffres d'un budget (la règle de `chiffres_des_budgets`)."""
    return chiffres_des_budgets(budget.annee, [budget], type_d_aide=budget.code_type)[0].chiffres


@dataclass
class BudgetEtFoyers:
    chiffres: ChiffresBudget
    #: foyers distincts dont une aide accordée compte dans le budget ; dont une aide est payée
    aides: int
    payes: int


def chiffres_des_budgets(
    annee: int, budgets, type_d_aide: str | None = None
) -> list[BudgetEtFoyers]:
    """Les chiffres de ces budgets d'une même année et leurs foyers (aidés, payés), en trois
    requêtes quel que soit leur nombre (budgets, sites dotés, décisions accordées de l'année
    avec leur payé ; `type_d_aide` : celles de ce type seulement). La règle, écrite ici
    seulement : une décision accordée compte dans le budget du site de sa demande s'il en a un
    pour ce type d'aide, sinon dans celui de tout le CCAS."""
    budgets = list(budgets)
    budgets_des_sites = Budget.objects.filter(annee=annee, site__isnull=False)
    accordees = Decision.objects.filter(sens=SensDecision.ACCORDEE, decide_le__year=annee)
    if type_d_aide:
        budgets_des_sites = budgets_des_sites.filter(code_type=type_d_aide)
        accordees = accordees.filter(demande__type_aide__code=type_d_aide)
    sites_dotes = set(budgets_des_sites.values_list("code_type", "site_id"))
    accorde: dict = {}
    paye: dict = {}
    aides: dict = {}
    payes: dict = {}
    decisions = accordees.annotate(
        paye=paye_par_decision(),
        a_un_paiement=Exists(Paiement.objects.filter(decision=OuterRef("pk"))),
    ).values_list(
        "demande__type_aide__code",
        "demande__site_id",
        "demande__foyer_id",
        "montant",
        "paye",
        "a_un_paiement",
    )
    for code, site_id, foyer_id, montant, deja_paye, a_un_paiement in decisions:
        cle = (code, site_id) if (code, site_id) in sites_dotes else (code, None)
        accorde[cle] = accorde.get(cle, ZERO) + (montant or ZERO)
        paye[cle] = paye.get(cle, ZERO) + (deja_paye or ZERO)
        aides.setdefault(cle, set()).add(foyer_id)
        if a_un_paiement:
            payes.setdefault(cle, set()).add(foyer_id)
    resultat = []
    for b in budgets:
        cle = (b.code_type, b.site_id)
        ch = ChiffresBudget(
            budget=b, vote=b.vote, accorde=accorde.get(cle, ZERO), paye=paye.get(cle, ZERO)
        )
        resultat.append(BudgetEtFoyers(ch, len(aides.get(cle, ())), len(payes.get(cle, ()))))
    return resultat


def chiffres_de_l_annee(annee: int) -> list[ChiffresBudget]:
    budgets = Budget.objects.filter(annee=annee).select_related("site")
    return [b.chiffres for b in chiffres_des_budgets(annee, budgets)]


def paye_par_decision():
    """Annotation : le total déjà payé d'une décision."""
    return Coalesce(
        Subquery(
            Paiement.objects.filter(decision=OuterRef("pk"))
            .values("decision")
            .annotate(t=Sum("montant"))
            .values("t")
        ),
        Value(ZERO),
        output_field=DecimalField(max_digits=11, decimal_places=2),
    )
