"""Banc d'essai de l'entonnoir du non-recours (ccas_portal/pilotage/non_recours.py).

Sur une base de volume (PostgreSQL) : des foyers (`manage.py demo_data --foyers 100000`), puis
des signalements et leurs changements d'état (`benchmarks/signalements_volume.py`).
    DATABASE_URL=postgres://…/ccas_bench python benchmarks/entonnoir.py [--fois 7]

Mesure le calcul des trois tableaux de la section (trois requêtes) pour quelques combinaisons :
les 12 derniers mois et le mois dernier, tous sites ; un site ; un axe. Imprime le nombre de
signalements de la cohorte, de droits ouverts, de requêtes, et la médiane et le maximum des
durées (ms).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccas_portal.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from ccas_portal.models import Site  # noqa: E402
from ccas_portal.periodes import Periode  # noqa: E402
from ccas_portal.pilotage import non_recours  # noqa: E402
from ccas_portal.pilotage.indicateurs import Filtres  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fois", type=int, default=7)
    args = parser.parse_args()
    aujourd_hui = timezone.localdate()
    annee = Periode.dates(aujourd_hui - timedelta(days=364), aujourd_hui)
    mois = Periode.mois(aujourd_hui.replace(day=1) - timedelta(days=1))
    site = Site.objects.filter(code__startswith="mdh-").order_by("code").first()
    cas = {
        "12 derniers mois, tous sites": Filtres(annee),
        "mois dernier, tous sites": Filtres(mois),
        f"12 derniers mois, {site.code}": Filtres(annee, sites=(site.pk,)),
        "12 derniers mois, axe existence": Filtres(annee, axes=("existence",)),
    }
    print(f"PostgreSQL : {connection.vendor}, signalements en base : ", end="")
    from droits.models import Signalement

    print(Signalement.objects.count())
    for nom, f in cas.items():
        non_recours.entonnoir(f)  # échauffement
        durees = []
        for _ in range(args.fois):
            with CaptureQueriesContext(connection) as requetes:
                debut = time.perf_counter()
                tableaux = non_recours.entonnoir(f)
                durees.append((time.perf_counter() - debut) * 1000)
        total = dict(tableaux[0].lignes)
        reperes = total["Repérés"][0].valeur if total else 0
        ouverts = total["Droits ouverts"][0].valeur if total else 0
        print(
            f"{nom} : {reperes} repérés, {ouverts} droits ouverts, {len(requetes)} requêtes, "
            f"médiane {statistics.median(durees):.0f} ms, max {max(durees):.0f} ms"
        )


if __name__ == "__main__":
    main()
