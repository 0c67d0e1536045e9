from droits.axes.base import DefinitionAxe, Fait, Indicateur, PrestationLegale

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
    modeles_objectifs=(
        "Accomplir une démarche administrative",
        "Obtenir un conseil juridique",
        "Ouvrir une domiciliation",
    ),
    faits=(
        Fait("demarches_en_cours", "Démarches administratives en cours", "texte"),
        Fait("permanence_juridique", "Vu(e) à la permanence de l'équipe juridique mobile", "date"),
    ),
    prestations=(
        PrestationLegale(
            "aah",
            "Allocation aux adultes handicapés (AAH) et son complément",
            ("aah", "caah"),
            entite="individu",
            a_verifier=(
                "les ressources de la personne (et de son conjoint pour le complément), son "
                "taux d'incapacité reconnu par la MDPH"
            ),
        ),
    ),
    indicateurs=(
        Indicateur(
            "demarches",
            "Démarches administratives accompagnées",
            "interventions",
            {"type": "demarche_administrative"},
        ),
        Indicateur(
            "permanences_juridiques",
            "Permanences de l'équipe juridique mobile",
            "interventions",
            {"type": "permanence_juridique"},
        ),
    ),
)
