"""Signalements de volume pour le banc du tableau de bord (PostgreSQL seulement).

Une détection réelle du non-recours sur 100 000 foyers est trop longue pour préparer une
mesure : ce script insère directement en SQL des signalements et leurs changements d'état,
répartis sur les 13 derniers mois, dans des proportions proches de celles d'une détection
suivie d'un an de traitement. Ils ne servent qu'à compter (tableau de bord) : explication
vide, aucune exécution de détection, aucun agent.

    DATABASE_URL=postgres://…/ccas_bench python benchmarks/signalements_volume.py [--part 0.15]

Environ `part` × foyers × prestations actives signalements (0,15 : ≈ 225 000 pour 100 000
foyers et 15 prestations) ; chacun passe « à traiter » une fois sur deux, puis une partie
est contactée, déposée, ouverte, jugée non éligible ou refusée (≈ 1,5 changement d'état par
signalement). Un foyer n'a qu'un signalement par prestation. Les signalements créés par ce
script (empreinte « volume ») sont effacés d'abord : le script peut être relancé.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccas_portal.settings.dev")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

SIGNALEMENTS = """
INSERT INTO droits_signalement (foyer_id, prestation_id, montant_estime, explication,
    empreinte, etat, toujours_detecte, cree_le, modifie_le)
SELECT id, code, round((20 + random() * 380)::numeric, 2), '{}'::jsonb, 'volume',
    'nouveau', true, quand, quand
FROM (
    SELECT f.id, p.code, now() - random() * interval '395 days' AS quand
    FROM habitants_foyer f CROSS JOIN droits_prestation p
    WHERE p.actif AND random() < %(part)s
) t
"""

# Les étapes de chaque signalement : (part des signalements encore là, état). Chaque étape a
# lieu entre 1 et 20 jours après la précédente, sans dépasser maintenant.
ETAPES = """
WITH s AS (
    SELECT id, cree_le, random() AS r FROM droits_signalement WHERE empreinte = 'volume'
),
e AS (
    SELECT s.id, x.rang, x.ancien, x.nouveau, s.cree_le
    FROM s CROSS JOIN LATERAL (VALUES
        (1, 'nouveau', 'a_traiter', s.r < 0.55),
        (2, 'a_traiter', 'contacte', s.r < 0.40),
        (3, 'contacte', 'demande_deposee', s.r < 0.25),
        (4, 'demande_deposee', 'droit_ouvert', s.r < 0.15),
        (4, 'demande_deposee', 'refus_personne', s.r >= 0.15 AND s.r < 0.18),
        (3, 'contacte', 'non_eligible', s.r >= 0.25 AND s.r < 0.32)
    ) AS x(rang, ancien, nouveau, garde)
    WHERE x.garde
),
d AS (
    SELECT e.*, least(
        e.cree_le + e.rang * (interval '1 day' + random() * interval '19 days'), now()
    ) AS le
    FROM e
)
INSERT INTO droits_changementsignalement (signalement_id, ancien, nouveau, commentaire, le)
SELECT id, ancien, nouveau, '', le FROM d
"""

ETATS = """
UPDATE droits_signalement s SET etat = c.nouveau, modifie_le = c.le
FROM (
    SELECT DISTINCT ON (signalement_id) signalement_id, nouveau, le
    FROM droits_changementsignalement ORDER BY signalement_id, le DESC, id DESC
) c
WHERE c.signalement_id = s.id AND s.empreinte = 'volume'
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", type=float, default=0.15)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL seulement (DATABASE_URL).")
    debut = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM droits_signalement WHERE empreinte = 'volume'")
        c.execute("SELECT setseed(0.42)")
        c.execute(SIGNALEMENTS, {"part": args.part})
        n = c.rowcount
        c.execute(ETAPES)
        m = c.rowcount
        c.execute(ETATS)
    with connection.cursor() as c:
        c.execute("ANALYZE droits_signalement")
        c.execute("ANALYZE droits_changementsignalement")
    print(f"{n} signalements, {m} changements d'état en {time.perf_counter() - debut:.1f} s")


if __name__ == "__main__":
    main()
