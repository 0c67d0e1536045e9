from decimal import Decimal

from droits.axes.base import DefinitionAxe, Entree, Fait, Indicateur, PrestationLegale

ENTREES_CSS = (
    Entree(
        "cmu_c_plafond", "plafond de ressources de la CSS sans participation (par an)", "euros_an"
    ),
    Entree("cmu_nb_pac", "personnes à charge", "nombre"),
)
A_VERIFIER_CSS = (
    "les ressources des 12 mois précédant la demande de chaque membre du foyer, y compris les "
    "aides au logement"
)

#: Valeur documentée d'une année de complémentaire santé solidaire pour une personne : le
#: coût unitaire par bénéficiaire pour 2023 (416 €). Elle ne sert qu'à ranger la file de
#: travail (docs/detection.md) ; `charger_referentiels` la recopie au catalogue.
VALEUR_CSS = Decimal("416")

AXE = DefinitionAxe(
    code="sante",
    ordre=4,
    libelle="Le droit à la santé",
    libelle_court="Santé",
    description=(
        "Lutter contre le renoncement aux soins, rapprocher l'action sociale de celle de santé, "
        "coordonner et informer dans le cadre du Plan Municipal de Santé (couverture maladie, "
        "complémentaire santé solidaire, accès aux soins)."
    ),
    motifs_accueil=(
        ("couverture_maladie", "Couverture maladie, complémentaire santé solidaire"),
        ("acces_soins", "Accès aux soins, renoncement"),
        ("medecin_traitant", "Recherche d'un médecin traitant"),
    ),
    modeles_objectifs=(
        "Ouvrir la complémentaire santé solidaire",
        "Déclarer un médecin traitant",
        "Reprendre des soins renoncés",
    ),
    faits=(
        Fait(
            "couverture_maladie",
            "Couverture maladie",
            "choix",
            (
                ("aucune", "Aucune"),
                ("base", "Régime de base seul"),
                ("css", "Complémentaire santé solidaire"),
                ("mutuelle", "Mutuelle"),
            ),
        ),
        Fait("medecin_traitant", "Médecin traitant déclaré", "booleen"),
        Fait("soins_renonces", "Soins renoncés", "texte"),
    ),
    prestations=(
        PrestationLegale(
            "css_gratuite",
            "Complémentaire santé solidaire sans participation",
            (),
            eligibilite="cmu_c",
            description="Couverture sans participation : le montant estimé est 0 €.",
            forme="couverture",
            valeur_couverture_annuelle=VALEUR_CSS,
            entrees=ENTREES_CSS,
            a_verifier=A_VERIFIER_CSS,
        ),
        PrestationLegale(
            "css_participation",
            "Complémentaire santé solidaire avec participation",
            ("css_participation_forfaitaire",),
            description="Le montant est la participation mensuelle due par le foyer.",
            forme="couverture",
            valeur_couverture_annuelle=VALEUR_CSS,
            entrees=ENTREES_CSS,
            a_verifier=A_VERIFIER_CSS,
        ),
    ),
    indicateurs=(
        Indicateur(
            "css_ouvertes",
            "Complémentaires santé solidaires accordées",
            "prestations",
            {
                "prestation_id__in": ["css_gratuite", "css_participation"],
                "statut__in": ["accordee", "percue"],
            },
        ),
    ),
)
