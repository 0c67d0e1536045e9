from droits.axes.base import DefinitionAxe, Fait, Indicateur, PrestationLegale

AXE = DefinitionAxe(
    code="bien_vieillir",
    ordre=5,
    libelle="Le droit de bien vieillir",
    libelle_court="Bien vieillir",
    description=(
        "L'habitant âgé est d'abord un citoyen acteur dans la ville (démarche « Ville amie des "
        "aînés ») : logements adaptés, services d'aide et d'intervention à domicile, lutte "
        "contre l'isolement, minimum vieillesse."
    ),
    motifs_accueil=(
        ("aide_domicile", "Aide et services à domicile"),
        ("isolement", "Isolement d'une personne âgée"),
        ("aspa", "Minimum vieillesse (ASPA)"),
        ("logement_adapte", "Logement adapté, résidence autonomie"),
    ),
    types_intervention=(("visite_convivialite", "Visite de convivialité"),),
    modeles_objectifs=(
        "Mettre en place une aide à domicile",
        "Rompre l'isolement",
        "Trouver un logement adapté",
    ),
    faits=(
        Fait("aide_domicile", "Service d'aide à domicile en place", "booleen"),
        Fait(
            "isolement",
            "Isolement",
            "choix",
            (("non", "Non isolé(e)"), ("partiel", "Isolement partiel"), ("fort", "Isolement fort")),
        ),
        Fait("teleassistance", "Téléassistance", "booleen"),
    ),
    prestations=(
        PrestationLegale(
            "aspa",
            "Allocation de solidarité aux personnes âgées (ASPA)",
            ("aspa",),
            a_verifier=(
                "les pensions de retraite brutes des 3 derniers mois (relevés des caisses) et "
                "la vie en couple"
            ),
        ),
    ),
    indicateurs=(
        Indicateur(
            "aides_domicile",
            "Aides à domicile mises en place",
            "accompagnements",
            {"faits__aide_domicile": True},
        ),
    ),
)
