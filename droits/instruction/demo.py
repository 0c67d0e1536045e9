"""Un règlement des aides facultatives plausible (types, motifs de refus) et ses budgets :
pour la démonstration et les tests. L'administrateur en tient la vraie version dans
l'administration."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from droits.instruction.enums import ModePaiement
from droits.instruction.models import Budget, MotifRefus, Reglement, TypeAide

P, C, B = ModePaiement.PERSONNE, ModePaiement.CREANCIER, ModePaiement.BONS

#: code, intitulé, axe, seuil de reste à vivre par UC, âges, plafonds, modes, urgence, prêt
TYPES = (
    ("secours_urgence", "Secours d'urgence", "existence", 400, None, None, 300, 600, [P, B], True),
    (
        "aide_alimentaire",
        "Aide alimentaire (bons)",
        "existence",
        450,
        None,
        None,
        150,
        600,
        [B],
        True,
    ),
    ("energie", "Aide énergie (fournisseur)", "logement", 500, None, None, 400, 400, [C], False),
    (
        "impayes_loyer",
        "Impayés de loyer (bailleur)",
        "logement",
        500,
        None,
        None,
        800,
        800,
        [C],
        False,
    ),
    (
        "jeunes_adultes",
        "Aide jeunes adultes 18–25 ans",
        "existence",
        500,
        18,
        25,
        500,
        1500,
        [P, B],
        True,
    ),
    ("pret", "Prêt remboursable", "existence", 700, None, None, 1000, 1000, [P, C], False),
)

MOTIFS = (
    "Reste à vivre supérieur au seuil fixé par le règlement",
    "Plafond d'aides sur 12 mois atteint",
    "Résidence hors de la commune",
    "Un dispositif de droit commun doit être sollicité en priorité",
    "Pièces justificatives non fournies après ajournement",
)

BUDGETS = {
    "secours_urgence": 20000,
    "aide_alimentaire": 15000,
    "energie": 12000,
    "impayes_loyer": 18000,
    "jeunes_adultes": 25000,
    "pret": 10000,
}


@transaction.atomic
def creer_reglement(
    *, date_effet: date = date(2026, 1, 1), code_insee: str = "38185", annee: int | None = None
) -> Reglement:
    """Le règlement (s'il n'existe pas à cette date), ses types, ses motifs et les budgets de
    l'année `annee` (celle de la date d'effet par défaut)."""
    from droits.models import Prestation

    reglement, cree = Reglement.objects.get_or_create(
        date_effet=date_effet,
        defaults={
            "libelle": "Règlement des aides facultatives",
            "vote_le": date(date_effet.year - 1, 12, 15),
            "code_insee_commune": code_insee,
        },
    )
    if cree:
        jeunes = Prestation.objects.filter(code="aide_facultative_jeunes").first()
        for code, libelle, axe, seuil, amin, amax, plafond, p12, modes, urgence in TYPES:
            TypeAide.objects.create(
                reglement=reglement,
                code=code,
                libelle=libelle,
                axe_id=axe,
                prestation=jeunes if code == "jeunes_adultes" else None,
                remboursable=code == "pret",
                seuil_reste_a_vivre_uc=Decimal(seuil),
                age_min=amin,
                age_max=amax,
                plafond_demande=Decimal(plafond),
                plafond_12_mois=Decimal(p12),
                modes_paiement=[str(m) for m in modes],
                urgence_possible=urgence,
            )
        for ordre, libelle in enumerate(MOTIFS):
            MotifRefus.objects.create(reglement=reglement, libelle=libelle, ordre=ordre)
    for code, vote in BUDGETS.items():
        Budget.objects.get_or_create(
            annee=annee or date_effet.year,
            code_type=code,
            site=None,
            defaults={"vote": Decimal(vote)},
        )
    return reglement
