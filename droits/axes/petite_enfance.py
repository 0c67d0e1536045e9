from droits.axes.base import DefinitionAxe, Fait, Indicateur, PrestationLegale

AXE = DefinitionAxe(
    code="petite_enfance",
    ordre=3,
    libelle="Le droit à la socialisation et l'éveil des jeunes enfants",
    libelle_court="Petite enfance",
    description=(
        "Accompagner le petit enfant et ses parents, premiers éducateurs ; garantir une qualité "
        "d'accueil en donnant la priorité aux situations d'exclusion ; améliorer l'accès aux "
        "modes d'accueil du jeune enfant (places d'accueil, prestations familiales)."
    ),
    motifs_accueil=(
        ("mode_accueil", "Place en crèche, mode d'accueil"),
        ("prestations_familiales", "Prestations familiales"),
        ("parentalite", "Soutien à la parentalité"),
    ),
    modeles_objectifs=(
        "Trouver un mode d'accueil pour l'enfant",
        "Ouvrir les prestations familiales",
    ),
    faits=(
        Fait(
            "mode_accueil_demande",
            "Mode d'accueil demandé",
            "choix",
            (
                ("creche", "Crèche"),
                ("assistante_maternelle", "Assistante maternelle"),
                ("halte_garderie", "Halte-garderie"),
            ),
        ),
        Fait("mode_accueil_obtenu", "Mode d'accueil obtenu", "booleen"),
        Fait("accueil_depuis", "Accueil obtenu depuis le", "date"),
        Fait("situation_prioritaire", "Situation prioritaire (exclusion)", "booleen"),
    ),
    prestations=(
        PrestationLegale("allocations_familiales", "Allocations familiales", ("af",)),
        PrestationLegale("complement_familial", "Complément familial", ("cf",)),
        PrestationLegale("asf", "Allocation de soutien familial (ASF)", ("asf",)),
        PrestationLegale("paje_base", "PAJE — allocation de base", ("paje_base",)),
    ),
    indicateurs=(
        Indicateur(
            "places_obtenues",
            "Places d'accueil obtenues",
            "accompagnements",
            {"faits__mode_accueil_obtenu": True},
        ),
    ),
)
