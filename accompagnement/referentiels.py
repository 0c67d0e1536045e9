"""Annuaire de référence des partenaires (un CCAS le complète dans l'administration)."""

PARTENAIRES = [
    ("caf", "Caisse d'allocations familiales de l'Isère", "Organisme de protection sociale"),
    ("cpam", "Caisse primaire d'assurance maladie de l'Isère", "Organisme de protection sociale"),
    ("carsat", "Carsat Rhône-Alpes", "Retraite"),
    ("france-travail", "France Travail", "Emploi"),
    ("pmi", "Protection maternelle et infantile (PMI)", "Département"),
    ("siao", "SIAO de l'Isère (115)", "Hébergement"),
    ("clic", "CLIC — centre local d'information et de coordination gérontologique", "Aînés"),
    ("mdph", "Maison départementale de l'autonomie", "Handicap"),
    ("adil", "ADIL de l'Isère", "Logement"),
    ("banque-alimentaire", "Banque alimentaire de l'Isère", "Association"),
    ("point-justice", "Point-justice", "Accès au droit"),
    ("mission-locale", "Mission locale", "Jeunes adultes"),
]
