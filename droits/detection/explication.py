"""L'explication propre à chaque signalement : calculée à la détection, rangée avec lui
(`Signalement.explication`, des codes et des nombres, jamais un texte figé), écrite en
français à l'affichage (`lire`).

Ce qu'elle contient (docs/detection.md, « L'explication d'un signalement ») :

- les données communes du foyer au mois simulé : mois, personnes, âges, ressources nettes du
  mois, loyer, statut d'occupation, commune, incapacité (et la raison d'une règle locale) ;
- la prestation exacte (`composantes`) : pour l'aide au logement, APL, ALS ou ALF, les
  variables d'OpenFisca-France dont le montant n'est pas nul ;
- les entrées de calcul de la prestation (`entrees`) : ressources retenues, loyer retenu,
  personnes à charge… lues dans OpenFisca ;
- la proximité d'un seuil (`sensibilite`, `seuil`) : le foyer re-simulé avec toutes ses
  ressources 5 % plus basses et 5 % plus hautes (ADR 0019). Proche d'un seuil : le droit
  disparaît avec des ressources plus hautes, ou son montant saute (changement de barème,
  taux plein / taux partiel) au lieu de suivre la pente ordinaire. Le seuil est ensuite
  localisé en deux tours de re-simulation (`moteur.localiser_seuils`, ADR 0035) : « les
  ressources sont à environ 43 € par mois au-dessus du seuil ».
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ccas_portal.formats import euros, nombre
from droits.axes import AXES

if TYPE_CHECKING:  # le processus web lit les explications sans charger le moteur
    from collections.abc import Collection

    from droits.detection.moteur import Estimation, Sensibilite

#: Un saut de montant (d'un côté seulement) d'au moins 10 € et 15 % du montant signale un
#: seuil ; en deçà, c'est la pente ordinaire d'une prestation dégressive, ses arrondis à
#: l'euro ou un coude de barème (mesuré : le coude de la prime d'activité d'une personne
#: seule vers 1 700 € nets fait un écart de 21 € sur 196 €, 11 % ; le passage du taux plein
#: au taux partiel de la PAJE, 50 %).
SAUT_MINIMUM = 10.0
#: « 5 % » : une espace insécable avant le signe (pas de retour à la ligne entre les deux).
POURCENT = "\u00a0%"
SAUT_RELATIF = 0.15


def seuil(montant: float, s: Sensibilite, ressources_mensuelles: float) -> dict | None:
    """Le seuil proche, en codes et nombres : {"cas": "perte" | "si_baisse" | "si_hausse",
    "pourcentage", "ressources_ecart" (€ par mois), "montant_si"} ; None si aucun.

    Seuil localisé (`s.localise`) : "ressources_ecart" est la distance des ressources nettes
    du mois au seuil (arrondie à l'euro), "facteur" le multiple des ressources où le droit
    change, "precision" la demi-largeur de l'encadrement en euros, "montant_si" le montant
    juste de l'autre côté ; None si la localisation ne trouve pas de saut (une pente raide).
    Sinon "ressources_ecart" est l'écart testé (5 % des ressources)."""
    ecart_euros = round(ressources_mensuelles * s.ecart, 2)
    if not ecart_euros:
        return None  # sans ressource, les faire varier ne change rien
    base = {"pourcentage": round(s.ecart * 100), "ressources_ecart": ecart_euros}
    if s.localise is not None:
        if not s.localise.est_un_saut():
            return None
        base |= {
            "ressources_ecart": float(round(ressources_mensuelles * abs(s.localise.facteur - 1))),
            "facteur": round(s.localise.facteur, 5),
            "precision": round(ressources_mensuelles * s.localise.demi_largeur, 2),
        }
    if s.montant_si_hausse is None:
        return {"cas": "perte", **base, "montant_si": None}
    bas = s.montant_si_baisse if s.montant_si_baisse is not None else 0.0
    haut = s.montant_si_hausse
    # Une pente ordinaire bouge le montant autant dans les deux sens (en sens contraire) ; un
    # seuil le fait sauter d'un côté seulement.
    asymetrie = abs((bas - montant) + (haut - montant))
    if asymetrie < max(SAUT_MINIMUM, SAUT_RELATIF * montant):
        return None
    if abs(bas - montant) >= abs(haut - montant):
        cas, montant_si = "si_baisse", bas
    else:
        cas, montant_si = "si_hausse", haut
    if s.localise is not None:
        montant_si = s.localise.montant_apres or 0.0
    return {"cas": cas, **base, "montant_si": montant_si}


@dataclass(frozen=True)
class Localisation:
    """Un seuil localisé par `moteur.localiser_seuils` : le facteur des ressources saisies où
    le droit change (milieu de l'encadrement), la demi-largeur de l'encadrement, et le
    montant sondé juste de ce côté-ci et juste de l'autre côté (None : pas de droit)."""

    facteur: float
    demi_largeur: float
    montant_avant: float | None
    montant_apres: float | None

    def est_un_saut(self) -> bool:
        return saut(self.montant_avant, self.montant_apres)


def saut(avant: float | None, apres: float | None) -> bool:
    """Un vrai seuil entre deux montants sondés de part et d'autre d'un encadrement (None :
    pas de droit) : le droit s'ouvre ou se ferme, ou le montant saute d'au moins
    `SAUT_MINIMUM`. Sinon c'est une pente raide du barème, pas un seuil (la prime d'activité
    qui baisse vite)."""
    if (avant is None) != (apres is None):
        return True
    return abs((avant or 0) - (apres or 0)) >= SAUT_MINIMUM


@dataclass(frozen=True)
class Frontiere:
    """Un seuil à localiser : la prestation d'un foyer vaut `montant` avec ses ressources
    saisies (facteur 1) et `montant_si` (None : plus de droit) avec ses ressources
    multipliées par `loin` (1 ± écart) ; `ressources` : ses ressources nettes du mois."""

    foyer_id: int
    prestation: str
    montant: float
    loin: float
    montant_si: float | None
    ressources: float

    def de_l_autre_cote(self, montant: float | None) -> bool:
        """Un montant sondé est-il du côté de `loin` ? Droit perdu : s'il n'y a plus de droit ;
        saut de barème : s'il est plus près du montant de l'autre côté que de celui-ci."""
        if self.montant_si is None:
            return montant is None
        m = montant or 0.0
        return abs(m - self.montant_si) < abs(m - self.montant)


def frontiere(montant: float, s: Sensibilite, ressources_mensuelles: float) -> tuple | None:
    """Le seuil à localiser, s'il y en a un proche : (facteur des ressources de l'autre côté,
    montant de l'autre côté ou None : plus de droit) ; None sinon."""
    proche = seuil(montant, s, ressources_mensuelles)
    if proche is None:
        return None
    if proche["cas"] == "si_baisse":
        return 1 - s.ecart, s.montant_si_baisse
    return 1 + s.ecart, s.montant_si_hausse


def frontieres(
    foyers, resultats: dict, sensibles: dict, exclues: dict[int, set[str]], ressources: dict
) -> list[Frontiere]:
    """Les seuils proches à localiser : ceux des droits qui auront un signalement (pas ceux
    de `exclues` : {foyer : prestations déjà demandées, perçues ou hors catalogue}) ;
    `ressources` : {foyer : ressources nettes du mois}."""
    trouves = []
    for f in foyers:
        du_foyer = sensibles.get(f.id, {})
        for e in resultats.get(f.id, []):
            s = du_foyer.get(e.prestation)
            if s is None or e.prestation in exclues.get(f.id, ()):
                continue
            autre = frontiere(e.montant, s, ressources[f.id])
            if autre is not None:
                trouves.append(Frontiere(f.id, e.prestation, e.montant, *autre, ressources[f.id]))
    return trouves


def expliquer(
    commune: dict,
    estimation: Estimation,
    sensibilites: dict[str, Sensibilite] | None = None,
    droits_du_foyer: Collection[str] = frozenset(),
) -> dict:
    """L'explication d'un signalement d'une prestation légale : les données communes du foyer,
    la prestation exacte, les entrées de calcul, et le seuil proche s'il y en a un.

    `sensibilites` : celles du foyer, toutes prestations (`moteur.sensibilite`) ;
    `droits_du_foyer` : ses droits probables au mois simulé. Quand la prestation disparaît de
    l'autre côté du seuil, les droits qui y apparaissent (`remplacee_par` : la CSS sans
    participation à la place de celle avec participation…) sont notés."""
    propre = dict(commune)
    if estimation.composantes:
        propre["composantes"] = estimation.composantes
    if estimation.entrees:
        propre["entrees"] = estimation.entrees
    s = (sensibilites or {}).get(estimation.prestation)
    if s is not None:
        propre["sensibilite"] = round(s.ecart * 100)
        proche = seuil(estimation.montant, s, commune.get("ressources_mensuelles_nettes") or 0)
        if proche:
            if not proche["montant_si"]:
                en_baisse = proche["cas"] == "si_baisse"
                apparus = sorted(
                    code
                    for code, autre in sensibilites.items()
                    if code not in droits_du_foyer
                    and (autre.montant_si_baisse if en_baisse else autre.montant_si_hausse)
                    is not None
                )
                if apparus:
                    proche["remplacee_par"] = apparus
            propre["seuil"] = proche
    return propre


# --- Lire : l'explication en français ------------------------------------------------------


@dataclass
class ExplicationLisible:
    prestation_exacte: list[str] = field(default_factory=list)  # « ALS (…) — logement … »
    entrees: list[tuple[str, str]] = field(default_factory=list)  # (libellé, valeur écrite)
    seuil: str = ""  # l'avertissement, vide sans seuil proche
    a_verifier: str = ""
    sensibilite: int | None = None  # pourcentage testé (None : pas testé)

    seuil_court: str = ""  # « plus ouvert avec des ressources 5 % plus élevées »

    @property
    def exacte_court(self) -> str:
        """Les sigles des prestations exactes : « ALS »."""
        return ", ".join(p.split(" (")[0] for p in self.prestation_exacte)

    @property
    def resume_court(self) -> str:
        """La ligne courte de la file de travail, en texte : « ALS — proche d'un seuil : plus
        ouvert avec des ressources 5 % plus élevées »."""
        parties = [self.exacte_court] if self.exacte_court else []
        if self.seuil_court:
            parties.append(f"proche d'un seuil : {self.seuil_court}")
        return " — ".join(parties)


def _valeur(valeur, unite: str) -> str:
    if unite == "nombre":
        return nombre(int(valeur))
    return f"{euros(valeur)} par {'an' if unite == 'euros_an' else 'mois'}"


def _prestation_legale(code: str):
    return next((p for axe in AXES.values() for p in axe.prestations if p.code == code), None)


def _libelles(codes) -> str:
    noms = {p.code: p.libelle for axe in AXES.values() for p in axe.prestations}
    return ", ".join(noms.get(c, c) for c in codes)


#: Où sont les ressources par rapport au seuil localisé, selon (seuil franchi en baissant les
#: ressources, droit perdu de l'autre côté).
_POSITIONS = {
    (False, True): "sous le plafond de ce droit",
    (False, False): "sous le seuil où le barème change",
    (True, True): "au-dessus du seuil de ce droit",
    (True, False): "au-dessus du seuil où le barème change",
}


def _phrase_seuil(s: dict, montant) -> str:
    """L'avertissement, en une phrase. Seuil localisé : « Proche d'un seuil : les ressources
    du foyer sont à environ 43 € par mois au-dessus du seuil où le barème change (à 2 € près) :
    avec 43 € de moins par mois, le montant estimé serait de 199,15 € par mois au lieu de
    99,58 €. » ; sinon, l'écart testé : « avec toutes les ressources du foyer 5 % plus basses
    (environ 140,00 € de moins par mois), … »."""
    baisse = s.get("cas") == "si_baisse"
    signe = "de moins" if baisse else "de plus"
    montant_si = s.get("montant_si")
    perdu = s.get("cas") == "perte" or not montant_si
    if "facteur" in s:
        ecart = euros(s.get("ressources_ecart") or 0, 0)
        position = _POSITIONS[baisse, perdu]
        precision = euros(max(1, round(s.get("precision") or 0)), 0)
        debut = (
            f"Proche d'un seuil : les ressources du foyer sont à environ {ecart} par mois "
            f"{position} (à {precision} près) : avec {ecart} {signe} par mois, "
        )
    else:
        sens = "plus basses" if baisse else "plus élevées"
        debut = (
            f"Proche d'un seuil : avec toutes les ressources du foyer "
            f"{s.get('pourcentage')}{POURCENT} {sens} "
            f"(environ {euros(s.get('ressources_ecart') or 0)} {signe} par mois), "
        )
    if perdu:
        if s.get("remplacee_par"):
            return (
                debut + "ce droit ne serait plus ouvert ; à la place : "
                f"{_libelles(s['remplacee_par'])}."
            )
        return debut + "ce droit ne serait plus ouvert."
    fin = "." if "facteur" in s else " : le barème change à cet endroit."
    return (
        debut + f"le montant estimé serait de {euros(montant_si)} par mois au lieu de "
        f"{euros(montant)}{fin}"
    )


def _seuil_court(s: dict) -> str:
    baisse = s.get("cas") == "si_baisse"
    if "facteur" in s:
        ecart = euros(s.get("ressources_ecart") or 0, 0)
        avec = f"avec {ecart} de {'moins' if baisse else 'plus'} par mois"
    else:
        sens = "plus basses" if baisse else "plus élevées"
        avec = f"avec des ressources {s.get('pourcentage')}{POURCENT} {sens}"
    if s.get("cas") == "perte" or not s.get("montant_si"):
        if s.get("remplacee_par"):
            return f"remplacé par {_libelles(s['remplacee_par'])} {avec}"
        return f"plus ouvert {avec}"
    return f"{euros(s['montant_si'])} par mois {avec}"


def lire(explication: dict, code_prestation: str, montant=0) -> ExplicationLisible:
    """L'explication rangée, écrite pour le travailleur social, avec les intitulés déclarés
    par l'axe de la prestation (`PrestationLegale`)."""
    x = explication or {}
    legale = _prestation_legale(code_prestation)
    lisible = ExplicationLisible(sensibilite=x.get("sensibilite"))
    if legale is None:
        return lisible
    montants = x.get("composantes") or {}
    lisible.prestation_exacte = [
        f"{c.libelle} — {c.condition}" for c in legale.composantes if c.variable in montants
    ]
    valeurs = x.get("entrees") or {}
    lisible.entrees = [
        (e.libelle, _valeur(valeurs[e.variable], e.unite))
        for e in legale.entrees
        if valeurs.get(e.variable) is not None
    ]
    if x.get("seuil"):
        lisible.seuil = _phrase_seuil(x["seuil"], montant)
        lisible.seuil_court = _seuil_court(x["seuil"])
        lisible.a_verifier = legale.a_verifier
    return lisible
