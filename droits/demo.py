"""Prestations de démonstration : une part des foyers perçoit déjà certaines prestations
(plausibles d'après leur composition et leurs ressources), pour que la détection ne signale
pas tout."""

import random
from datetime import date
from decimal import Decimal

from django.db import transaction

from ccas_portal.enums import Role
from ccas_portal.models import Agent
from droits.enums import SourcePrestation, StatutPrestation
from droits.models import PrestationFoyer
from habitants.models import Foyer, MembreFoyer, Ressource

MONTANTS = {
    "rsa": Decimal("646.52"),
    "aide_logement": Decimal("250.00"),
    "allocations_familiales": Decimal("151.05"),
    "aspa": Decimal("300.00"),
}


def _age(naissance, jour):
    return jour.year - naissance.year - ((jour.month, jour.day) < (naissance.month, naissance.day))


@transaction.atomic
def creer_prestations(
    *, foyers=None, proportion: float = 0.4, graine: int = 2015, lot: int = 5000
) -> int:
    """Prestations perçues par une part des ``foyers`` (tous par défaut)."""
    hasard = random.Random(graine)
    auteur = Agent.objects.filter(role=Role.TRAVAILLEUR_SOCIAL).order_by("pk").first()
    if auteur is None:
        return 0
    aujourd_hui = date.today()
    avec_revenus = set(
        Ressource.objects.filter(date_fin__isnull=True).values_list("habitant_id", flat=True)
    )
    foyers = Foyer.objects.all() if foyers is None else foyers
    ids = list(foyers.order_by("pk").values_list("pk", "statut_occupation"))
    total = 0
    for depart in range(0, len(ids), lot):
        tranche = dict(ids[depart : depart + lot])
        membres: dict[int, list] = {}
        for m in MembreFoyer.objects.filter(
            foyer_id__in=tranche, date_fin__isnull=True
        ).select_related("habitant"):
            membres.setdefault(m.foyer_id, []).append(m)
        a_creer = []
        for foyer_id, statut in tranche.items():
            if hasard.random() >= proportion or foyer_id not in membres:
                continue
            personnes = membres[foyer_id]
            demandeur = next((m for m in personnes if m.role == "demandeur"), personnes[0])
            ages = [
                _age(m.habitant.date_naissance, aujourd_hui)
                for m in personnes
                if m.habitant.date_naissance
            ]
            plausibles = []
            if statut.startswith("locataire"):
                plausibles.append("aide_logement")
            if sum(1 for a in ages if a < 20) >= 2:
                plausibles.append("allocations_familiales")
            sans_revenu = not any(m.habitant_id in avec_revenus for m in personnes)
            if sans_revenu and any(25 <= a < 65 for a in ages):
                plausibles.append("rsa")
            if any(a >= 65 for a in ages) and len(personnes) == 1:
                plausibles.append("aspa")
            for code in plausibles:
                if hasard.random() < 0.7:
                    a_creer.append(
                        PrestationFoyer(
                            foyer_id=foyer_id,
                            prestation_id=code,
                            beneficiaire_id=demandeur.habitant_id,
                            statut=StatutPrestation.PERCUE,
                            date_debut=date(aujourd_hui.year - 1, hasard.randint(1, 12), 1),
                            montant_mensuel=MONTANTS[code],
                            source=hasard.choice(list(SourcePrestation)),
                            saisi_par=auteur,
                        )
                    )
        PrestationFoyer.objects.bulk_create(a_creer, batch_size=2000)
        total += len(a_creer)
    return total
