from droits.axes.base import DefinitionAxe, Entree, Fait, Indicateur, PrestationLegale

#: Les entrées communes des prestations familiales (ressources de l'année N-2).
ENTREES_FAMILIALES = (
    Entree(
        "prestations_familiales_base_ressources",
        "ressources retenues (année N-2, par an)",
        "euros_an",
    ),
    Entree("af_nbenf", "enfants au sens des prestations familiales", "nombre"),
)
A_VERIFIER_FAMILIAL = (
    "les revenus de l'année N-2 (avis d'imposition), l'activité de chaque parent et les dates "
    "de naissance des enfants"
)

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
        PrestationLegale(
            "allocations_familiales",
            "Allocations familiales",
            ("af",),
            entrees=ENTREES_FAMILIALES,
            a_verifier=A_VERIFIER_FAMILIAL,
        ),
        PrestationLegale(
            "complement_familial",
            "Complément familial",
            ("cf",),
            entrees=ENTREES_FAMILIALES,
            a_verifier=A_VERIFIER_FAMILIAL,
        ),
        PrestationLegale(
            "asf",
            "Allocation de soutien familial (ASF)",
            ("asf",),
            entrees=ENTREES_FAMILIALES[1:],
            a_verifier="la situation de chaque parent et la pension alimentaire versée ou non",
        ),
        PrestationLegale(
            "paje_base",
            "PAJE — allocation de base",
            ("paje_base",),
            entrees=ENTREES_FAMILIALES,
            a_verifier=A_VERIFIER_FAMILIAL,
        ),
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
