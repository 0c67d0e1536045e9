from droits.axes.base import DefinitionAxe

AXE = DefinitionAxe(
    code="acces_droits",
    ordre=6,
    libelle="Lutter contre les inégalités par l'affirmation de droits fondamentaux",
    libelle_court="Accès aux droits",
    description=(
        "Garantir le service public en repérant les facteurs d'exclusion et de non-recours aux "
        "droits ; organiser accueil, information et accompagnement ; équipe juridique mobile."
    ),
    motifs_accueil=(
        ("demarche_administrative", "Aide à une démarche administrative"),
        ("numerique", "Accès au numérique, compte en ligne"),
        ("juridique", "Question juridique (équipe juridique mobile)"),
        ("domiciliation", "Domiciliation administrative"),
        ("information", "Information générale"),
    ),
)
