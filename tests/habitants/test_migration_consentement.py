"""La reprise des consentements existants (migration habitants 0011, ADR 0023) : jamais
enregistré → « non demandé » ; case cochée → « accepté » ; case laissée vide → « refusé »,
datés de la réponse rangée ou, à défaut, de l'information."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ccas_portal.roles_base import en_proprietaire

AVANT = [("habitants", "0010_historique_loyer_situation")]
APRES = [("habitants", "0011_consentement_trois_etats_et_anonymisation")]


@pytest.mark.django_db(transaction=True)
def test_reprise_des_consentements_existants():
    # Migrer est l'affaire du rôle propriétaire (passe PostgreSQL à deux rôles, ADR 0022).
    with en_proprietaire():
        _reprise_des_consentements_existants()


def _reprise_des_consentements_existants():
    executor = MigrationExecutor(connection)
    executor.migrate(AVANT)
    anciens = executor.loader.project_state(AVANT).apps
    Site = anciens.get_model("ccas_portal", "Site")
    Habitant = anciens.get_model("habitants", "Habitant")
    site = Site.objects.create(
        code="mdh-migration",
        nom="MdH migration",
        type="maison_des_habitants",
        adresse="1 rue",
        code_postal="38000",
        commune="Grenoble",
        code_insee="38185",
    )

    def personne(nom, **champs):
        return Habitant.objects.create(
            site=site,
            nom_usage=nom,
            prenoms="X",
            recherche=nom,
            nom_normalise=nom,
            prenoms_normalises="x",
            **champs,
        ).pk

    jamais = personne("jamais")
    accepte = personne(
        "accepte",
        date_information=date(2025, 3, 1),
        consentement_contact=True,
        date_consentement=date(2025, 3, 1),
    )
    vide = personne("vide", date_information=date(2025, 4, 2), consentement_contact=False)

    executor = MigrationExecutor(connection)
    executor.migrate(APRES)
    nouveaux = executor.loader.project_state(APRES).apps.get_model("habitants", "Habitant")
    etats = {h.pk: (h.consentement, h.date_consentement) for h in nouveaux.objects.all()}
    assert etats == {
        jamais: ("non_demande", None),
        accepte: ("accepte", date(2025, 3, 1)),
        vide: ("refuse", date(2025, 4, 2)),
    }
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
