from dataclasses import dataclass


@dataclass(frozen=True)
class DefinitionAxe:
    """Ce qu'un axe de droits fondamentaux déclare de lui-même, en un seul endroit.

    Les issues suivantes y ajoutent ses types d'intervention, modèles d'objectifs, faits
    spécifiques, prestations du catalogue, règles de détection et indicateurs.
    """

    code: str
    ordre: int
    libelle: str  # l'intitulé du plan stratégique
    libelle_court: str
    description: str
    #: Motifs de passage à l'accueil proposés pour cet axe : (code, intitulé).
    motifs_accueil: tuple[tuple[str, str], ...] = ()
