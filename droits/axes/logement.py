from droits.axes.base import (
    Composante,
    DefinitionAxe,
    Entree,
    Fait,
    Indicateur,
    PrestationLegale,
)

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
            somme_des_composantes=True,
            # Les règles d'OpenFisca-France 176.1.8 (model/prestations/aides_logement.py) :
            # APL si le logement est conventionné (`logement_conventionne` : locataire HLM),
            # sinon ALF avec au moins une personne à charge (`al_nb_personnes_a_charge`),
            # sinon ALS.
            composantes=(
                Composante(
                    "apl",
                    "APL (aide personnalisée au logement)",
                    "logement conventionné (locataire HLM)",
                ),
                Composante(
                    "alf",
                    "ALF (allocation de logement familiale)",
                    "logement non conventionné, au moins une personne à charge",
                ),
                Composante(
                    "als",
                    "ALS (allocation de logement sociale)",
                    "logement non conventionné, aucune personne à charge",
                ),
            ),
            entrees=(
                Entree(
                    "aide_logement_base_ressources",
                    "ressources retenues par la CAF (12 mois glissants, par an)",
                    "euros_an",
                ),
                Entree("aide_logement_loyer_retenu", "loyer retenu (plafonné, hors charges)"),
                Entree("al_nb_personnes_a_charge", "personnes à charge", "nombre"),
            ),
            a_verifier=(
                "les ressources des 12 derniers mois de chaque membre du foyer, le loyer hors "
                "charges sur le bail ou la quittance, et si le logement est conventionné"
            ),
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
