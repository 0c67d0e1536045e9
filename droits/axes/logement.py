from droits.axes.base import DefinitionAxe

AXE = DefinitionAxe(
    code="logement",
    ordre=2,
    libelle="Le droit à un logement ou à un hébergement décent",
    libelle_court="Logement et hébergement",
    description=(
        "Le droit au logement est un droit fondamental ; le droit à l'hébergement est "
        "inconditionnel. Informer sur le droit au logement et à l'hébergement, accompagner "
        "les personnes hébergées, favoriser le logement d'abord (demande de logement social, "
        "SIAO, aides au logement)."
    ),
    motifs_accueil=(
        ("demande_logement_social", "Demande de logement social"),
        ("hebergement_urgence", "Hébergement d'urgence (SIAO, 115)"),
        ("aides_logement", "Aides au logement (APL, ALS, ALF)"),
        ("impayes_loyer", "Impayés de loyer, expulsion"),
        ("energie", "Factures d'énergie"),
    ),
)
