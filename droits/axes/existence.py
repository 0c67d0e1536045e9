from decimal import Decimal

from droits.axes.base import (
    DefinitionAxe,
    Entree,
    Fait,
    Indicateur,
    PrestationLegale,
    ans_avant,
)

AXE = DefinitionAxe(
    code="existence",
    ordre=1,
    libelle="Le droit à des moyens convenables d'existence",
    libelle_court="Moyens d'existence",
    description=(
        "Les institutions publiques doivent fournir les moyens d'une existence digne par un "
        "soutien financier adapté aux situations des ménages : accompagner les personnes vers "
        "leurs droits, compléter l'offre pour les plus en difficulté, notamment les jeunes "
        "adultes (ressources, budget, minima sociaux, aides facultatives)."
    ),
    motifs_accueil=(
        ("budget", "Difficultés budgétaires, dettes"),
        ("minima_sociaux", "RSA, prime d'activité, minima sociaux"),
        ("aide_facultative", "Demande d'aide facultative du CCAS"),
        ("jeunes_adultes", "Jeune adulte sans ressources (18-25 ans)"),
        ("alimentaire", "Aide alimentaire"),
    ),
    types_intervention=(("aide_budgetaire", "Accompagnement budgétaire"),),
    modeles_objectifs=(
        "Stabiliser le budget du foyer",
        "Ouvrir les droits aux minima sociaux",
        "Obtenir une aide facultative du CCAS",
    ),
    faits=(
        Fait("budget_evalue", "Budget évalué le", "date"),
        # Négatif quand les charges dépassent les ressources.
        Fait(
            "reste_a_vivre",
            "Reste à vivre mensuel (€)",
            "montant",
            minimum=Decimal("-10000"),
            maximum=Decimal("20000"),
        ),
        Fait("aides_facultatives_demandees", "Aides facultatives demandées", "texte"),
    ),
    prestations=(
        PrestationLegale(
            "rsa",
            "Revenu de solidarité active (RSA)",
            ("rsa",),
            entrees=(
                Entree("rsa_base_ressources", "ressources retenues (3 derniers mois, par mois)"),
                Entree("rsa_forfait_logement", "forfait logement déduit"),
                Entree("rsa_nb_enfants", "enfants pris en compte", "nombre"),
            ),
            a_verifier=(
                "les ressources des 3 derniers mois de chaque membre du foyer (bulletins de "
                "salaire, allocations, pensions) et la composition du foyer"
            ),
        ),
        PrestationLegale(
            "prime_activite",
            "Prime d'activité",
            ("ppa",),
            entrees=(
                Entree(
                    "ppa_base_ressources",
                    "ressources retenues (3 derniers mois, par mois)",
                    trimestre=True,
                ),
                Entree(
                    "ppa_revenu_activite",
                    "revenus d'activité retenus (3 derniers mois, par mois)",
                    trimestre=True,
                ),
            ),
            a_verifier=(
                "les revenus d'activité et les autres ressources des 3 derniers mois "
                "(bulletins de salaire), et la composition du foyer"
            ),
        ),
    ),
    indicateurs=(
        Indicateur(
            "aides_facultatives",
            "Aides facultatives accordées",
            "prestations",
            {"prestation__nature": "facultative", "statut__in": ["accordee", "percue"]},
        ),
        Indicateur(
            "jeunes_adultes",
            "Accompagnements de jeunes adultes (18 à 24 ans)",
            "accompagnements",
            lambda fin: {
                "membres__date_naissance__gt": ans_avant(fin, 25),
                "membres__date_naissance__lte": ans_avant(fin, 18),
            },
        ),
    ),
)
