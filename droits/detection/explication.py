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
  taux plein / taux partiel) au lieu de suivre la pente ordinaire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ccas_portal.formats import euros, nombre
from droits.axes import AXES

if TYPE_CHECKING:  # le processus web lit les explications sans charger le moteur
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
    "pourcentage", "ressources_ecart" (€ par mois), "montant_si"} ; None si aucun."""
    ecart_euros = round(ressources_mensuelles * s.ecart, 2)
    if not ecart_euros:
        return None  # sans ressource, les faire varier ne change rien
    base = {"pourcentage": round(s.ecart * 100), "ressources_ecart": ecart_euros}
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
        return {"cas": "si_baisse", **base, "montant_si": bas}
    return {"cas": "si_hausse", **base, "montant_si": haut}


def expliquer(
    commune: dict,
    estimation: Estimation,
    sensibilites: dict[str, Sensibilite] | None = None,
    droits_du_foyer: frozenset[str] | set[str] = frozenset(),
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


def _phrase_seuil(s: dict, montant) -> str:
    """L'avertissement, en une phrase : « Proche d'un seuil : avec toutes les ressources du
    foyer 5 % plus basses (environ 140,00 € de moins par mois), le montant estimé serait de
    199,15 € par mois au lieu de 99,58 € : le barème change à cet endroit. »"""
    pourcentage = s.get("pourcentage")
    ecart = euros(s.get("ressources_ecart") or 0)
    montant_si = s.get("montant_si")
    if s.get("cas") == "si_baisse":
        sens, signe = "plus basses", "de moins"
    else:
        sens, signe = "plus élevées", "de plus"
    debut = (
        f"Proche d'un seuil : avec toutes les ressources du foyer {pourcentage}{POURCENT} {sens} "
        f"(environ {ecart} {signe} par mois), "
    )
    if s.get("cas") == "perte" or not montant_si:
        if s.get("remplacee_par"):
            return (
                debut + "ce droit ne serait plus ouvert ; à la place : "
                f"{_libelles(s['remplacee_par'])}."
            )
        return debut + "ce droit ne serait plus ouvert."
    return (
        debut + f"le montant estimé serait de {euros(montant_si)} par mois au lieu de "
        f"{euros(montant)} : le barème change à cet endroit."
    )


def _seuil_court(s: dict) -> str:
    pourcentage = s.get("pourcentage")
    sens = "plus basses" if s.get("cas") == "si_baisse" else "plus élevées"
    avec = f"avec des ressources {pourcentage}{POURCENT} {sens}"
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
