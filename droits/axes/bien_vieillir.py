from droits.axes.base import DefinitionAxe

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
)
