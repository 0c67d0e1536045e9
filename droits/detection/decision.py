"""Ce que décide un lot de la détection, sans base de données : des fonctions pures, testées
seules (tests/droits/test_decision.py, sans `db`).

Un lot se traite en trois temps (`execution.traiter_lot`) : charger (foyers, prestations en
cours, aides à domicile, catalogue, signalements déjà écrits), décider (ici : empreintes,
foyers à re-simuler, signalements à créer, revoir ou marquer « plus détectés », états des
foyers, comptes et bilan), écrire (en masse, dans une transaction). Les entrées sont des
données simples (`FoyerSimule`, `Estimation`, `SignalementLu`, dictionnaires) ; la sortie
(`Decisions`) dit tout ce qu'il faut écrire, sans rien écrire.
"""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ccas_portal.dates import fin_du_mois
from droits.detection import regles_locales
from droits.detection.explication import expliquer
from droits.detection.situation import FoyerSimule
from droits.enums import ETATS_OUVERTS


@dataclass(frozen=True)
class SignalementLu:
    """Un signalement déjà écrit, tel que la décision le lit."""

    pk: int
    foyer_id: int
    prestation_id: str
    etat: str
    montant_estime: Decimal
    empreinte: str
    explication: dict
    toujours_detecte: bool = True

    @property
    def ouvert(self) -> bool:
        return self.etat in ETATS_OUVERTS


@dataclass(frozen=True)
class Revision:
    """Un signalement ouvert dont le montant, les faits ou l'explication ont changé (ou qui
    est de nouveau détecté) : ses nouvelles valeurs."""

    pk: int
    montant_estime: Decimal
    empreinte: str
    explication: dict


@dataclass
class Decisions:
    """Tout ce qu'un lot écrit. `nouveaux` : lignes de signalements à insérer ; `revus` ;
    `perdus` : clés des signalements ouverts que l'exécution ne retrouve plus ; `etats` :
    lignes d'`EtatDetectionFoyer` ; `comptes` : droits probables par prestation ; `bilan` :
    ce que devient chaque droit probable (voir ExecutionDetection.bilan)."""

    nouveaux: list[dict] = field(default_factory=list)
    revus: list[Revision] = field(default_factory=list)
    perdus: list[int] = field(default_factory=list)
    etats: list[dict] = field(default_factory=list)
    comptes: Counter = field(default_factory=Counter)
    bilan: Counter = field(default_factory=Counter)


#: L'encodeur des empreintes, construit une fois (`json.dumps` avec des options en construit un
#: à chaque appel : 10 000 par lot). Le texte est celui de `json.dumps(contenu, sort_keys=True,
#: default=str)` : le seul dictionnaire, celui du haut, est écrit clés déjà rangées (le tri
#: d'un dictionnaire par foyer et le contrôle des références circulaires en moins, ≈ 6 ms par
#: lot ; tests/droits/test_decision.py compare les deux textes).
_ENCODEUR = json.JSONEncoder(default=str, check_circular=False)


def empreinte(foyer: FoyerSimule, prestations_en_cours: set[str], aide_a_domicile: bool) -> str:
    """L'empreinte des faits du foyer (hors mois simulé) : un signalement clos comme non
    éligible ou refusé ne renaît que si elle change."""
    contenu = {  # clés dans l'ordre alphabétique (`_ENCODEUR`)
        "aide_a_domicile": aide_a_domicile,
        "logement": [foyer.depcom, foyer.statut_occupation, foyer.loyer],
        "personnes": [
            [
                p.id,
                p.date_naissance.isoformat() if p.date_naissance else None,
                p.role,
                p.taux_incapacite,
                sorted(
                    [t, m, d.isoformat(), f.isoformat() if f else None]
                    for t, m, d, f in p.ressources
                )
                if p.ressources
                else [],
            ]
            for p in foyer.personnes
        ],
        "prestations": sorted(prestations_en_cours),
    }
    return hashlib.sha256(_ENCODEUR.encode(contenu).encode()).hexdigest()


def empreintes(foyers, resultats, en_cours: dict[int, set[str]], aides: set[int]) -> dict:
    """{foyer : empreinte} des foyers simulés (les incomplets n'en ont pas)."""
    return {
        f.id: empreinte(f, en_cours.get(f.id, set()), f.id in aides)
        for f in foyers
        if f.id in resultats
    }


def explication(foyer: FoyerSimule, mois: date, raison: str = "") -> dict:
    """Les principales données utilisées, lisibles par le travailleur social."""
    jour = fin_du_mois(mois)
    return {
        "mois": f"{mois:%m/%Y}",
        "personnes": len(foyer.personnes),
        "ages": [p.age(jour) for p in foyer.personnes],
        "ressources_mensuelles_nettes": foyer.ressources_du_mois(mois),
        "loyer": foyer.loyer,
        "statut_occupation": foyer.statut_occupation,
        "commune": foyer.depcom,
        "incapacite": any((p.taux_incapacite or 0) >= 50 for p in foyer.personnes),
        **({"raison": raison} if raison else {}),
    }


def existants_par_foyer(lus) -> dict:
    """{foyer : {prestation : (signalement ouvert ou None, dernier clos ou None)}}, à partir
    des signalements lus dans l'ordre de leur création."""
    existants: dict = {}
    for s in lus:
        du_foyer = existants.setdefault(s.foyer_id, {})
        ouvert, clos = du_foyer.get(s.prestation_id, (None, None))
        if s.ouvert:
            ouvert = s
        else:
            clos = s
        du_foyer[s.prestation_id] = (ouvert, clos)
    return existants


def a_re_simuler(
    foyers, resultats, en_cours, traces, mois: date, lus, ecart: float
) -> tuple[list, dict]:
    """Les foyers à re-simuler pour la proximité des seuils (ADR 0019), et ce qui est repris
    sans re-simulation : {(foyer, prestation) : {"sensibilite", "seuil"}}. `lus` : les
    signalements des foyers simulés, dans l'ordre de leur création ; `ecart` : la fraction
    des ressources (0 : pas de re-simulation).

    Pas de re-simulation pour un droit probable déjà demandé ou perçu (pas de signalement),
    ni pour un signalement déjà écrit sur les mêmes faits : ouvert avec la même empreinte, le
    même montant, le même mois simulé et le même écart (son seuil est repris, s'il a été
    localisé : un seuil rangé avant la localisation est recalculé), ou dernier clos
    avec la même empreinte (il ne renaît pas). Un foyer qui a au moins un droit nouveau ou
    changé est re-simulé en entier."""
    if not ecart:
        return [], {}
    pourcentage = round(ecart * 100)
    ouverts, clos = {}, {}
    for s in lus:
        if s.ouvert:
            ouverts[s.foyer_id, s.prestation_id] = (
                s.empreinte,
                s.montant_estime,
                s.explication or {},
            )
        else:
            clos[s.foyer_id, s.prestation_id] = s.empreinte
    a_faire, repris = [], {}
    mois_texte = f"{mois:%m/%Y}"
    for f in foyers:
        if f.id not in resultats:
            continue
        trace, du_foyer, complet = traces[f.id], {}, True
        for e in resultats[f.id]:
            cle = (f.id, e.prestation)
            if e.prestation in en_cours.get(f.id, ()):
                continue
            if cle in ouverts:
                ancienne_trace, montant, x = ouverts[cle]
                if (
                    ancienne_trace == trace
                    and montant == Decimal(str(e.montant))
                    and x.get("mois") == mois_texte
                    and x.get("sensibilite") == pourcentage
                    and "facteur" in x.get("seuil", {"facteur": None})
                ):
                    du_foyer[cle] = {k: x[k] for k in ("sensibilite", "seuil") if k in x}
                    continue
            elif clos.get(cle) == trace:
                continue
            complet = False
        if complet:
            repris.update(du_foyer)
        else:
            a_faire.append(f)
    return a_faire, repris


def sans_signalement(foyers, resultats, en_cours: dict[int, set[str]], catalogue) -> dict:
    """{foyer : prestations} des droits probables qui n'auront pas de signalement : déjà
    demandés ou perçus, ou hors du catalogue actif (la règle de `decider`)."""
    return {
        f.id: {e.prestation for e in resultats.get(f.id, []) if e.prestation not in catalogue}
        | en_cours.get(f.id, set())
        for f in foyers
    }


def en_decimal(montant: float, deja: dict[float, Decimal]) -> Decimal:
    """Le montant estimé (un flottant au centime) en décimal, tel qu'il s'écrit ; `deja` :
    ceux déjà convertis (un lot de 10 000 foyers n'a que ≈ 4 400 montants différents sur
    ≈ 25 000 : 8 → 4 ms)."""
    decimal = deja.get(montant)
    if decimal is None:
        decimal = deja[montant] = Decimal(str(montant))
    return decimal


def propositions_du_foyer(
    foyer: FoyerSimule,
    estimations: list,
    mois: date,
    aide_a_domicile: bool,
    catalogue: dict,
    decimaux: dict[float, Decimal] | None = None,
) -> dict[str, tuple[Decimal, str]]:
    """{prestation : (montant mensuel estimé, raison)} : les droits légaux estimés par
    OpenFisca, puis ceux des règles locales du CCAS (montant indicatif du catalogue ; une
    règle locale dont la prestation n'est pas au catalogue actif ne propose rien).
    `decimaux` : les montants déjà convertis (`en_decimal`), gardés d'un foyer à l'autre."""
    deja = {} if decimaux is None else decimaux
    propositions = {e.prestation: (en_decimal(e.montant, deja), "") for e in estimations}
    legaux = propositions.keys()  # (lues avant qu'une règle locale ne s'y ajoute)
    for p in [
        *regles_locales.jeunes_adultes_sans_ressources(foyer, mois, legaux),
        *regles_locales.aines_isoles_sans_aide_a_domicile(foyer, mois, aide_a_domicile),
    ]:
        if p.prestation in catalogue:
            propositions[p.prestation] = (catalogue[p.prestation] or Decimal(0), p.raison)
    return propositions


def decider(
    *,
    foyers: list[FoyerSimule],
    ids_du_lot: list[int],
    resultats: dict,
    en_cours: dict[int, set[str]],
    aides: set[int],
    traces: dict[int, str],
    sensibles: dict,
    repris: dict,
    catalogue: dict[str, Decimal | None],
    existants: dict,
    mois: date,
    execution_id: int,
    maintenant: datetime,
) -> Decisions:
    """Les écritures d'un lot. `catalogue` : {code : montant indicatif} des prestations
    actives ; `existants` : `existants_par_foyer` ; `maintenant` : l'instant noté sur les
    états des foyers.

    Par droit probable : déjà demandé ou perçu, rien ; hors catalogue, rien ; un signalement
    ouvert est revu s'il a changé (montant, faits, explication) ou n'était plus détecté ; un
    dernier clos sur les mêmes faits ne renaît pas ; sinon un signalement est créé. Un
    signalement ouvert (encore détecté) que le foyer n'a plus est marqué « plus détecté »."""
    d = Decisions()
    decimaux: dict[float, Decimal] = {}
    for foyer in foyers:
        if foyer.id not in resultats:
            continue
        codes_en_cours = en_cours.get(foyer.id, set())
        trace = traces[foyer.id]
        estimations = {e.prestation: e for e in resultats[foyer.id]}
        propositions = propositions_du_foyer(
            foyer, resultats[foyer.id], mois, foyer.id in aides, catalogue, decimaux
        )
        sensibles_du_foyer = sensibles.get(foyer.id, {})
        # Une fois par foyer, et seulement s'il a un droit probable à signaler (pas pour un
        # foyer dont tous les droits probables sont déjà demandés ou hors du catalogue).
        commune = None
        du_foyer = existants.get(foyer.id, {})
        for code, (montant, raison) in propositions.items():
            d.comptes[code] += 1
            if code in codes_en_cours:
                d.bilan["deja_demandes"] += 1
                continue
            if code not in catalogue:
                d.bilan["hors_catalogue"] += 1
                continue
            if commune is None:
                commune = explication(foyer, mois)
            if code in estimations:
                explique = expliquer(
                    commune, estimations[code], sensibles_du_foyer, estimations.keys()
                )
                if repris:
                    explique.update(repris.get((foyer.id, code), ()))
            else:
                explique = {**commune, "raison": raison} if raison else commune
            ouvert, clos = du_foyer.get(code, (None, None))
            if ouvert is not None:
                avant = (ouvert.montant_estime, ouvert.empreinte, ouvert.explication)
                if avant != (montant, trace, explique) or not ouvert.toujours_detecte:
                    d.revus.append(Revision(ouvert.pk, montant, trace, explique))
                d.bilan["deja_signales"] += 1
            elif clos is not None and clos.empreinte == trace:
                d.bilan["clos_memes_faits"] += 1  # clos (non éligible, refus…), rien n'a changé
            else:
                d.nouveaux.append(
                    {
                        "foyer_id": foyer.id,
                        "prestation_id": code,
                        "montant_estime": montant,
                        "execution_id": execution_id,
                        "explication": explique,
                        "empreinte": trace,
                    }
                )
                d.bilan["nouveaux"] += 1
        # Un signalement ouvert que cette exécution ne retrouve plus est marqué comme tel.
        for code, (ouvert, _) in du_foyer.items():
            if ouvert and ouvert.toujours_detecte and code not in propositions:
                d.perdus.append(ouvert.pk)
                d.bilan["plus_detectes"] += 1
        d.etats.append(
            {
                "foyer_id": foyer.id,
                "simule_le": maintenant,
                "empreinte": trace,
                "execution_id": execution_id,
                "mois_cible": mois,
                # (Le flottant estimé lui-même : float(Decimal(str(x))) est x.)
                "estimations": {
                    c: estimations[c].montant if not raison and c in estimations else float(m)
                    for c, (m, raison) in propositions.items()
                },
            }
        )
    # Les foyers incomplets (sans date de naissance) sont vus aussi : pas de resimulation
    # incrémentale tant que rien ne change.
    vus = {f.id for f in foyers}
    d.etats += [
        {"foyer_id": i, "simule_le": maintenant, "empreinte": "", "execution_id": execution_id}
        for i in ids_du_lot
        if i not in resultats and i in vus
    ]
    return d
