from droits.axes.base import DefinitionAxe, Fait, Indicateur

AXE = DefinitionAxe(
    code="participation",
    ordre=7,
    libelle="Créer des droits effectifs avec les personnes — pouvoir d'agir",
    libelle_court="Participation et pouvoir d'agir",
    description=(
        "Soutenir l'émergence d'initiatives collectives et développer le pouvoir d'agir des "
        "habitants : actions collectives, instances de participation, séances et présences."
    ),
    motifs_accueil=(
        ("initiative_collective", "Initiative collective, projet d'habitants"),
        ("instance_participation", "Instances de participation des habitants"),
    ),
    types_intervention=(("seance_collective", "Séance d'action collective"),),
    modeles_objectifs=("Participer à une action collective",),
    faits=(Fait("instance", "Instance ou action collective suivie", "texte"),),
    indicateurs=(
        Indicateur("seances", "Séances d'actions collectives", "seances"),
        Indicateur("participants", "Participations aux actions collectives", "participants"),
    ),
)
