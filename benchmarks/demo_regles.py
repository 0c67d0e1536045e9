"""Coût des règles des services dans la démo des accompagnements : `creer_accompagnements` avec
ses règles, puis avec des règles neutralisées (fonctions vides), en alternance dans un même
processus, chaque essai annulé (rollback). Sur une base qui a déjà sa population :

    python manage.py shell -c "exec(open('benchmarks/demo_regles.py').read())"

Chiffres dans docs/benchmarks.md (« La démo par les règles des services »)."""

import time
from types import SimpleNamespace

from django.db import transaction

import accompagnement.demo as d

NOMS = [n for n in dir(d) if n.startswith("verifier_")]
vraies = {n: getattr(d, n) for n in NOMS}
vraies["perms"] = d.perms
sans = {n: (lambda *a, **k: None) for n in NOMS}
sans["perms"] = SimpleNamespace(peut_suivre_foyer=lambda *a: True)

for _tour in range(3):
    for nom, valeurs in (("règles", vraies), ("sans règles", sans)):
        for n, v in valeurs.items():
            setattr(d, n, v)
        with transaction.atomic():
            debut = time.perf_counter()
            bilan = d.creer_accompagnements(proportion=1, renforts=True, graine=5)
            duree = time.perf_counter() - debut
            transaction.set_rollback(True)
        print(
            f"{nom:12} {bilan.accompagnements} accompagnements, {bilan.interventions} interventions : {duree:.2f} s",
            flush=True,
        )
