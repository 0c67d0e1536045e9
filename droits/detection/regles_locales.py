"""Les règles propres au CCAS, à côté d'OpenFisca : des fonctions pures, testées seules.

Chacune reçoit le foyer simulé (`FoyerSimule`), le mois cible, les droits légaux estimés par
OpenFisca pour ce foyer et ce que le portail sait déjà (prestations en cours, aides à domicile
notées dans un accompagnement) ; elle rend les signalements locaux qu'elle propose.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from ccas_portal.dates import fin_du_mois
from ccas_portal.formats import compte
from droits.detection.situation import FoyerSimule


@dataclass(frozen=True)
class Proposition:
    prestation: str
    raison: str
    personnes: tuple[int, ...]


def jeunes_adultes_sans_ressources(
    foyer: FoyerSimule, mois: date, droits_legaux: Collection[str]
) -> list[Proposition]:
    """Axe existence : des 18–24 ans sans aucune ressource ce mois-ci, dans un foyer sans droit
    probable au RSA (le RSA n'est ouvert qu'à 25 ans, sauf exceptions) → aide facultative
    jeunes adultes du CCAS."""
    if "rsa" in droits_legaux:
        return []
    jour = fin_du_mois(mois)
    jeunes = tuple(
        p.id
        for p in foyer.personnes
        if (age := p.age(jour)) is not None and 18 <= age <= 24 and not p.nets(mois)
    )
    if not jeunes:
        return []
    return [
        Proposition(
            "aide_facultative_jeunes",
            f"{compte(len(jeunes), 'jeune')} de 18 à 24 ans sans ressource, sans droit probable au RSA",
            jeunes,
        )
    ]


def aines_isoles_sans_aide_a_domicile(
    foyer: FoyerSimule, mois: date, aide_a_domicile: bool
) -> list[Proposition]:
    """Axe bien vieillir : une personne de 75 ans ou plus vivant seule, sans aide à domicile
    connue du portail → proposer une évaluation pour un service d'aide à domicile."""
    if aide_a_domicile or len(foyer.personnes) != 1:
        return []
    personne = foyer.personnes[0]
    age = personne.age(fin_du_mois(mois))
    if age is None or age < 75:
        return []
    return [
        Proposition(
            "aide_domicile",
            f"Personne de {age} ans vivant seule, sans aide à domicile enregistrée",
            (personne.id,),
        )
    ]
