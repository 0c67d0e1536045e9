#!/bin/sh
# Durée de `demo_data` sur une base PostgreSQL neuve (à comparer avant et après un changement
# des générateurs de démonstration). Usage : benchmarks/demo_data.sh BASE [FOYERS] [ESSAIS]
set -eu
BASE=${1:?nom de la base PostgreSQL}
FOYERS=${2:-2000}
ESSAIS=${3:-2}
PY=${PYTHON:-.venv/bin/python}
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$BASE"
for essai in $(seq "$ESSAIS"); do
    dropdb -h 127.0.0.1 -U postgres --if-exists "$BASE"
    createdb -h 127.0.0.1 -U postgres "$BASE"
    $PY manage.py migrate -v 0
    $PY manage.py charger_referentiels --wet-run >/dev/null
    debut=$(date +%s.%N)
    $PY manage.py demo_data --wet-run --foyers "$FOYERS" --renforts | grep -E " en [0-9.]+ s" || true
    fin=$(date +%s.%N)
    echo "essai $essai : demo_data --foyers $FOYERS --renforts en $(echo "$fin - $debut" | bc) s"
done
