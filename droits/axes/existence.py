from droits.axes.base import DefinitionAxe

AXE = DefinitionAxe(
    code="existence",
    ordre=1,
    libelle="Le droit à des moyens convenables d'existence",
    libelle_court="Moyens d'existence",
    description=(
        "Les institutions publiques doivent fournir les moyens d'une existence digne par un "
        "soutien financier adapté aux situations des ménages : accompagner les personnes vers "
        "leurs droits, compléter l'offre pour les plus en difficulté, notamment les jeunes "
        "adultes (ressources, budget, minima sociaux, aides facultatives)."
    ),
    motifs_accueil=(
        ("budget", "Difficultés budgétaires, dettes"),
        ("minima_sociaux", "RSA, prime d'activité, minima sociaux"),
        ("aide_facultative", "Demande d'aide facultative du CCAS"),
        ("jeunes_adultes", "Jeune adulte sans ressources (18-25 ans)"),
        ("alimentaire", "Aide alimentaire"),
    ),
)
