from droits.axes.base import DefinitionAxe

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
)
