"""Les chiffres de l'instruction des demandes pour le tableau de bord (agrégats seulement).

Chaque chiffre porte l'effectif de foyers distincts qui le fonde (`petits_effectifs.Chiffre`), donc la
même règle des petits effectifs (« < 5 ») que le reste du tableau de bord. Pas encore branché
sur les pages du tableau de bord : `chiffres_instruction` rend les familles de chiffres.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum

from ccas_portal.petits_effectifs import Chiffre
from ccas_portal.pilotage.indicateurs import tranche_d_age
from droits.instruction.enums import SensDecision
from droits.instruction.evaluation import age_a
from droits.instruction.models import Decision, Demande, Paiement


def _repartition(demandes, champ: str) -> dict[str, Chiffre]:
    lignes = (
        demandes.order_by()
        .values(champ)
        .annotate(n=Count("pk"), foyers=Count("foyer", distinct=True))
    )
    return {str(ligne[champ]): Chiffre(ligne["n"], ligne["foyers"]) for ligne in lignes}


def _montant(qs, champ: str, chemin_foyer: str) -> Chiffre:
    r = qs.aggregate(t=Sum(champ), foyers=Count(chemin_foyer, distinct=True))
    return Chiffre(r["t"] or Decimal("0"), r["foyers"], unite="€")


def chiffres_instruction(debut: date, fin: date, ids_sites=None) -> dict:
    """Les demandes déposées entre `debut` et `fin` (inclus), sur ces sites (tous si None)."""
    demandes = Demande.objects.filter(date_depot__range=(debut, fin))
    if ids_sites is not None:
        demandes = demandes.filter(site_id__in=ids_sites)
    decisions = Decision.objects.filter(demande__in=demandes)
    accordees = decisions.filter(sens=SensDecision.ACCORDEE)
    delais, foyers_decides = [], set()
    premieres = {}
    for d in decisions.exclude(sens=SensDecision.AJOURNEE).values(
        "demande_id", "demande__date_depot", "demande__foyer_id", "decide_le"
    ):
        if d["demande_id"] not in premieres:
            premieres[d["demande_id"]] = d
    for d in premieres.values():
        delais.append((d["decide_le"].date() - d["demande__date_depot"]).days)
        foyers_decides.add(d["demande__foyer_id"])
    jeunes, foyers_jeunes = Decimal("0"), set()
    total_accorde = Decimal("0")
    for d in accordees.values(
        "montant", "decide_le", "demande__foyer_id", "demande__beneficiaire__date_naissance"
    ):
        total_accorde += d["montant"]
        age = age_a(d["demande__beneficiaire__date_naissance"], d["decide_le"].date())
        if age is not None and 18 <= age <= 25:
            jeunes += d["montant"]
            foyers_jeunes.add(d["demande__foyer_id"])
    par_tranche = defaultdict(lambda: [0, set()])
    for ligne in demandes.annotate(
        tranche=tranche_d_age("beneficiaire__date_naissance", fin)
    ).values("tranche", "foyer_id"):
        par_tranche[ligne["tranche"]][0] += 1
        par_tranche[ligne["tranche"]][1].add(ligne["foyer_id"])
    return {
        "par_type": _repartition(demandes, "nature"),
        "par_type_d_aide": _repartition(demandes, "type_aide__code"),
        "par_etat": _repartition(demandes, "etat"),
        "par_axe": _repartition(demandes, "type_aide__axe_id"),
        "par_site": _repartition(demandes, "site__nom"),
        "par_tranche_d_age": {k: Chiffre(n, len(f)) for k, (n, f) in par_tranche.items()},
        "montant_demande": _montant(demandes, "montant_demande", "foyer"),
        "montant_accorde": _montant(accordees, "montant", "demande__foyer"),
        "montant_paye": _montant(
            Paiement.objects.filter(decision__in=accordees), "montant", "decision__demande__foyer"
        ),
        "delai_moyen_de_decision_jours": Chiffre(
            round(sum(delais) / len(delais)) if delais else 0, len(foyers_decides)
        ),
        "part_jeunes_adultes_pourcent": Chiffre(
            round(jeunes * 100 / total_accorde) if total_accorde else 0, len(foyers_jeunes)
        ),
    }
