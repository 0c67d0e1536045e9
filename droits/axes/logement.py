from droits.axes.base import DefinitionAxe, Fait, Indicateur, PrestationLegale

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
    types_intervention=(("visite_logement", "Visite du logement"),),
    modeles_objectifs=(
        "Déposer ou renouveler la demande de logement social",
        "Obtenir un hébergement (SIAO)",
        "Prévenir l'expulsion",
        "Accéder à un logement (logement d'abord)",
    ),
    faits=(
        Fait("numero_demande_logement_social", "Numéro unique de demande de logement social"),
        Fait("date_demande_logement_social", "Date de la demande de logement social", "date"),
        Fait("demande_siao", "Demande SIAO déposée", "booleen"),
        Fait("date_demande_siao", "Date de la demande SIAO", "date"),
        Fait(
            "recours_dalo",
            "Recours DALO",
            "choix",
            (
                ("non", "Non"),
                ("depose", "Déposé"),
                ("prioritaire", "Reconnu prioritaire"),
                ("rejete", "Rejeté"),
            ),
        ),
    ),
    prestations=(
        PrestationLegale(
            "aide_logement",
            "Aide au logement (APL, ALS, ALF)",
            ("aide_logement",),
            description="Le détail APL / ALF / ALS est donné par les variables apl, alf, als.",
        ),
    ),
    indicateurs=(
        Indicateur(
            "demandes_logement_social",
            "Demandes de logement social suivies",
            "accompagnements",
            {"faits__has_key": "numero_demande_logement_social"},
        ),
        Indicateur(
            "acces_logement",
            "Accès à un logement (accompagnements clos, objectifs atteints)",
            "clotures",
            {"motif_cloture": "objectifs_atteints"},
        ),
    ),
)
