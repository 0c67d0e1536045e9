"""Référentiel des sites du CCAS (Maisons des Habitants et services centraux).

Liste de démonstration inspirée des quartiers de Grenoble : un CCAS la remplace par la sienne
(ou la complète dans l'administration). `manage.py charger_referentiels` la met en base.
"""

from ccas_portal.enums import TypeSite

_MDH = TypeSite.MAISON_DES_HABITANTS
_CENTRAL = TypeSite.SERVICE_CENTRAL

SITES = [
    # code, nom, type, secteur, adresse, code postal, téléphone
    (
        "mdh-berriat",
        "Maison des Habitants Chorier-Berriat",
        _MDH,
        1,
        "10 rue Henri Le Chatelier",
        "38000",
        "04 76 00 10 01",
    ),
    (
        "mdh-centre-ville",
        "Maison des Habitants Centre-Ville",
        _MDH,
        2,
        "2 rue du Vieux Temple",
        "38000",
        "04 76 00 10 02",
    ),
    (
        "mdh-bajatiere",
        "Maison des Habitants Bajatière",
        _MDH,
        3,
        "25 rue Léon Jouhaux",
        "38100",
        "04 76 00 10 03",
    ),
    (
        "mdh-abbaye",
        "Maison des Habitants Abbaye",
        _MDH,
        4,
        "1 place de la Commune de 1871",
        "38100",
        "04 76 00 10 04",
    ),
    (
        "mdh-teisseire",
        "Maison des Habitants Teisseire-Malherbe",
        _MDH,
        5,
        "2 rue Jean Perrot",
        "38100",
        "04 76 00 10 05",
    ),
    (
        "mdh-villeneuve",
        "Maison des Habitants Le Patio – Villeneuve",
        _MDH,
        6,
        "97 galerie de l'Arlequin",
        "38100",
        "04 76 00 10 06",
    ),
    (
        "mdh-mistral",
        "Maison des Habitants Mistral",
        _MDH,
        4,
        "4 rue Anatole France",
        "38100",
        "04 76 00 10 07",
    ),
    (
        "mdh-premol",
        "Maison des Habitants Prémol",
        _MDH,
        6,
        "7 rue Henri Duhamel",
        "38100",
        "04 76 00 10 08",
    ),
    (
        "dir-action-sociale",
        "Direction de l'action sociale",
        _CENTRAL,
        None,
        "28 galerie de l'Arlequin",
        "38100",
        "04 76 00 20 00",
    ),
    (
        "equipe-juridique-mobile",
        "Équipe juridique mobile",
        _CENTRAL,
        None,
        "28 galerie de l'Arlequin",
        "38100",
        "04 76 00 20 10",
    ),
    (
        "pole-personnes-agees",
        "Pôle personnes âgées",
        _CENTRAL,
        None,
        "8 rue Sergent Bobillot",
        "38000",
        "04 76 00 20 20",
    ),
    (
        "pole-petite-enfance",
        "Pôle petite enfance",
        _CENTRAL,
        None,
        "15 rue Auguste Gaché",
        "38000",
        "04 76 00 20 30",
    ),
]


def sites_de_reference() -> list[dict]:
    return [
        {
            "code": code,
            "nom": nom,
            "type": type_site,
            "secteur": secteur,
            "adresse": adresse,
            "code_postal": cp,
            "commune": "Grenoble",
            "code_insee": "38185",
            "telephone": tel,
            "actif": True,
        }
        for code, nom, type_site, secteur, adresse, cp, tel in SITES
    ]
