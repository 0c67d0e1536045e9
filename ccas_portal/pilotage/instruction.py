"""Les chiffres de l'instruction des demandes pour le tableau de bord (agrégats seulement).

Chaque chiffre porte l'effectif de foyers distincts qui le fonde (`petits_effectifs.Chiffre`),
donc la même règle des petits effectifs (« < 5 ») que le reste du tableau de bord.
`chiffres_instruction` rend les familles de chiffres des demandes déposées dans la période ;
`tableaux` les met en tableaux « Aides du CCAS » (vue d'ensemble du tableau de bord, rangés
dans son instantané, exportés en CSV et XLSX comme les autres), avec le budget de l'année.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from ccas_portal.models import Axe, Site
from ccas_portal.petits_effectifs import SEUIL, Chiffre
from ccas_portal.pilotage.indicateurs import TRANCHES, tranche_d_age
from ccas_portal.pilotage.tableaux import Tableau
from droits.instruction import budget as budget_du_type
from droits.instruction.enums import EtatDemande, NatureDemande, SensDecision
from droits.instruction.evaluation import age_a
from droits.instruction.models import Budget, Decision, Demande, Paiement, TypeAide


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


def chiffres_instruction(debut: date, fin: date, ids_sites=None, axes=()) -> dict:
    """Les demandes déposées entre `debut` et `fin` (inclus), sur ces sites (tous si None) ;
    `axes` : les aides facultatives de ces axes seulement (les autres demandes n'ont pas
    d'axe)."""
    demandes = Demande.objects.filter(date_depot__range=(debut, fin))
    if ids_sites is not None:
        demandes = demandes.filter(site_id__in=ids_sites)
    if axes:
        demandes = demandes.filter(type_aide__axe_id__in=axes)
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
        delais.append((timezone.localdate(d["decide_le"]) - d["demande__date_depot"]).days)
        foyers_decides.add(d["demande__foyer_id"])
    jeunes, foyers_jeunes = Decimal("0"), set()
    total_accorde = Decimal("0")
    for d in accordees.values(
        "montant", "decide_le", "demande__foyer_id", "demande__beneficiaire__date_naissance"
    ):
        total_accorde += d["montant"]
        age = age_a(d["demande__beneficiaire__date_naissance"], timezone.localdate(d["decide_le"]))
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
            round(sum(delais) / len(delais)) if delais else 0, len(foyers_decides), unite="j"
        ),
        "part_jeunes_adultes_pourcent": Chiffre(
            round(jeunes * 100 / total_accorde) if total_accorde else 0, len(foyers_jeunes)
        ),
        "par_type_d_aide_montants": _montants_par_type_d_aide(demandes, accordees),
    }


def _montants_par_type_d_aide(demandes, accordees) -> dict[str, dict[str, Chiffre]]:
    """Par code de type d'aide : montants demandés, accordés, payés (chacun avec ses
    foyers)."""
    resultat = defaultdict(dict)
    for ligne in (
        demandes.exclude(type_aide=None)
        .order_by()
        .values("type_aide__code")
        .annotate(t=Sum("montant_demande"), foyers=Count("foyer", distinct=True))
    ):
        resultat[ligne["type_aide__code"]]["demande"] = Chiffre(
            ligne["t"] or Decimal("0"), ligne["foyers"], unite="€"
        )
    for ligne in (
        accordees.order_by()
        .values("demande__type_aide__code")
        .annotate(t=Sum("montant"), foyers=Count("demande__foyer", distinct=True))
    ):
        resultat[ligne["demande__type_aide__code"]]["accorde"] = Chiffre(
            ligne["t"] or Decimal("0"), ligne["foyers"], unite="€"
        )
    for ligne in (
        Paiement.objects.filter(decision__in=accordees)
        .order_by()
        .values("decision__demande__type_aide__code")
        .annotate(t=Sum("montant"), foyers=Count("decision__demande__foyer", distinct=True))
    ):
        resultat[ligne["decision__demande__type_aide__code"]]["paye"] = Chiffre(
            ligne["t"] or Decimal("0"), ligne["foyers"], unite="€"
        )
    return dict(resultat)


# --- Les tableaux « Aides du CCAS » -------------------------------------------------------

TITRE = "Aides du CCAS"
ZERO_EURO = Chiffre(Decimal("0"), 0, unite="€")


def _libelles_types_d_aide() -> dict[str, str]:
    """Code → intitulé du type d'aide dans la version la plus récente du règlement."""
    libelles = {}
    for code, libelle in TypeAide.objects.order_by("-reglement__date_effet").values_list(
        "code", "libelle"
    ):
        libelles.setdefault(code, libelle)
    return libelles


def _repartition_en_tableau(code, titre, repartition, libelles, *, autres=None) -> Tableau:
    """Un tableau d'une colonne « Demandes » : les lignes de `libelles` (code → libellé),
    dans leur ordre, puis les codes inconnus (`autres` : leur libellé)."""
    t = Tableau(code, f"{TITRE} : {titre}", ["Demandes"])
    for cle, libelle in libelles.items():
        t.ajouter(libelle, repartition.get(cle, Chiffre(0, 0)))
    for cle, chiffre in repartition.items():
        if cle not in libelles:
            t.ajouter(autres(cle) if autres else cle, chiffre)
    return t


def tableaux(f) -> list[Tableau]:
    """Les tableaux « Aides du CCAS » pour les filtres du tableau de bord (`Filtres`) :
    demandes déposées dans la période, par type, type d'aide, état, axe, site et tranche
    d'âge ; montants, délai et part des jeunes adultes ; budgets de l'année de fin de
    période."""
    p = f.periode
    c = chiffres_instruction(p.debut, p.fin, f.sites_effectifs, f.axes)
    resultat = [
        _repartition_en_tableau(
            "aides_par_type", "demandes par type", c["par_type"], dict(NatureDemande.choices)
        )
    ]
    types = _libelles_types_d_aide()
    montants = c["par_type_d_aide_montants"]
    t = Tableau(
        "aides_par_type_d_aide",
        f"{TITRE} : aides facultatives par type d'aide",
        ["Demandes", "Montant demandé", "Montant accordé", "Montant payé"],
    )
    for code in sorted(set(c["par_type_d_aide"]) - {"None"}, key=lambda k: types.get(k, k)):
        m = montants.get(code, {})
        t.ajouter(
            types.get(code, code),
            c["par_type_d_aide"][code],
            m.get("demande", ZERO_EURO),
            m.get("accorde", ZERO_EURO),
            m.get("paye", ZERO_EURO),
        )
    resultat.append(t)
    resultat.append(
        _repartition_en_tableau(
            "aides_par_etat", "demandes par état", c["par_etat"], dict(EtatDemande.choices)
        )
    )
    axes = dict(Axe.objects.order_by("ordre").values_list("code", "libelle_court"))
    axes["None"] = "Sans axe (aide sociale légale, logement social)"
    resultat.append(
        _repartition_en_tableau("aides_par_axe", "demandes par axe", c["par_axe"], axes)
    )
    sites = Site.objects.order_by("nom")
    if f.sites_effectifs is not None:
        sites = sites.filter(pk__in=f.sites_effectifs)
    resultat.append(
        _repartition_en_tableau(
            "aides_par_site",
            "demandes par site",
            c["par_site"],
            {nom: nom for nom in sites.values_list("nom", flat=True)},
        )
    )
    resultat.append(
        _repartition_en_tableau(
            "aides_par_age",
            f"demandes par tranche d'âge du bénéficiaire (âge au {p.fin:%d/%m/%Y})",
            c["par_tranche_d_age"],
            dict(TRANCHES) | {"inconnu": "Sans bénéficiaire désigné ou âge inconnu"},
        )
    )
    synthese = Tableau(
        "aides_montants",
        f"{TITRE} : montants et délais des demandes de la période",
        ["Valeur"],
        repartition=False,
    )
    synthese.ajouter("Montant demandé", c["montant_demande"])
    synthese.ajouter("Montant accordé", c["montant_accorde"])
    synthese.ajouter("Montant payé", c["montant_paye"])
    synthese.ajouter(
        "Délai moyen entre le dépôt et la décision", c["delai_moyen_de_decision_jours"]
    )
    synthese.ajouter(
        "Part du montant accordé aux jeunes adultes de 18 à 25 ans (%)",
        c["part_jeunes_adultes_pourcent"],
    )
    resultat.append(synthese)
    resultat.append(tableau_des_budgets(p.fin.year, f.sites_effectifs, types))
    return resultat


#: Un montant qui ne repose sur aucun foyer (le budget voté par le conseil d'administration) :
#: l'effectif qui ne masque pas.
HORS_EFFECTIF = SEUIL


def tableau_des_budgets(annee: int, ids_sites=None, types=None) -> Tableau:
    """Le budget de l'année par type d'aide (et par site s'il en a un) : voté, engagé (accordé,
    pas encore payé), payé, restant, part consommée ; alerte à 90 %. Engagé, payé, restant et
    la part consommée reposent sur les foyers aidés : masqués sous 5 foyers (le restant et la
    part diraient l'accordé). Avec un filtre de sites : leurs budgets et ceux de tout le
    CCAS."""
    types = types if types is not None else _libelles_types_d_aide()
    budgets = Budget.objects.filter(annee=annee).select_related("site")
    if ids_sites is not None:
        budgets = budgets.filter(Q(site__isnull=True) | Q(site_id__in=ids_sites))
    t = Tableau(
        "aides_budgets",
        f"{TITRE} : budget {annee} par type d'aide (alerte à 90 % consommés)",
        ["Voté", "Engagé", "Payé", "Restant", "Consommé (%)"],
        repartition=False,
    )
    lignes = []
    for lu in budget_du_type.chiffres_des_budgets(annee, budgets):
        budget, ch, aides, payes = lu.chiffres.budget, lu.chiffres, lu.aides, lu.payes
        # Le restant et la part consommée disent l'accordé : l'effectif des foyers aidés (rien
        # accordé : le voté seul, qui ne repose sur personne). L'engagé (accordé − payé) dirait
        # le payé : l'effectif le plus petit des deux.
        effectif = HORS_EFFECTIF if not ch.accorde else aides
        engage = min(aides, payes) if ch.paye else aides
        consomme = Chiffre(ch.pourcentage if ch.vote else 0, effectif)
        libelle = types.get(budget.code_type, budget.code_type) + (
            f" — {budget.site.nom}" if budget.site_id else " — tout le CCAS"
        )
        if ch.alerte and ch.vote and not consomme.masque:
            libelle += f" — alerte : {ch.pourcentage} % consommés"
        lignes.append(
            (
                libelle,
                [
                    Chiffre(ch.vote, HORS_EFFECTIF, unite="€"),
                    Chiffre(ch.engage, engage, unite="€"),
                    Chiffre(ch.paye, payes, unite="€"),
                    Chiffre(ch.restant, effectif, unite="€"),
                    consomme,
                ],
            )
        )
    for libelle, chiffres in sorted(lignes, key=lambda ligne: ligne[0]):
        t.ajouter(libelle, *chiffres)
    return t
