"""Une ressource qui s'arrête, saisie comme le fait une personne : une date de fin avant son
début d'abord (message français sous le champ, rien d'écrit), puis la bonne date au clavier ;
la base, les totaux du dossier et le dossier vu à une date passée vérifiés ensuite."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ccas_portal.enums import Role
from ccas_portal.models import Site
from habitants.services import ajouter_membre, ajouter_ressource
from tests.factories import MOT_DE_PASSE, AgentFactory, foyer, habitant
from tests.navigateur.test_connexion import se_connecter

pytestmark = pytest.mark.navigateur


def test_fin_d_une_ressource(page, verifier_page, referentiels):
    site = Site.objects.get(code="mdh-abbaye")
    ts = AgentFactory(role=Role.TRAVAILLEUR_SOCIAL, sites=[site])
    f = foyer(ts)
    sonia = habitant(
        ts, nom_usage="Lemaire", prenoms="Sonia", sexe="F", date_naissance=date(1984, 7, 9)
    )
    ajouter_membre(agent=ts, foyer=f, habitant=sonia, role="demandeur", date_debut=date(2020, 1, 1))
    aujourd_hui = date.today()
    debut = (aujourd_hui - timedelta(days=400)).replace(day=1)
    r = ajouter_ressource(
        agent=ts, habitant=sonia, type="chomage", montant_mensuel=Decimal("900"), date_debut=debut
    )
    fin = (aujourd_hui.replace(day=1) - timedelta(days=1)).replace(day=1) - timedelta(days=1)

    se_connecter(page, ts.username, MOT_DE_PASSE)
    page.goto(reverse("accompagnement:dossier", args=[f.pk]))
    carte = page.locator(f"#personne-{sonia.pk}")
    expect(carte).to_contain_text(
        "2\u202f700,00\u00a0€ sur 3 mois, 10\u202f800,00\u00a0€ sur 12 mois"
    )

    carte.locator("summary", has_text="Fin : allocation chômage").click()
    form = page.locator(f"#fin-ressource-{r.pk}-formulaire")
    form.get_by_label("Jusqu'au").fill((debut - timedelta(days=1)).isoformat())
    form.get_by_role("button", name="Enregistrer la fin").click()
    form = page.locator(f"#fin-ressource-{r.pk}-formulaire")
    expect(form.locator(f"#fin-ressource-{r.pk}-date_fin_error")).to_contain_text(
        "La date de fin précède la date de début."
    )
    r.refresh_from_db()
    assert r.date_fin is None
    verifier_page(page, "fin-ressource-refusee")

    # La bonne date, envoyée au clavier (Entrée dans le champ).
    champ = form.get_by_label("Jusqu'au")
    champ.fill(fin.isoformat())
    champ.press("Enter")
    carte = page.locator(f"#personne-{sonia.pk}")
    expect(page.locator("#dossier-social").get_by_role("status")).to_be_visible()
    expect(carte).to_contain_text(f"jusqu'au {fin:%d/%m/%Y}")
    r.refresh_from_db()
    assert r.date_fin == fin
    # Plus perçue le mois dernier : deux des trois derniers mois, onze des douze.
    expect(carte).to_contain_text(
        "1\u202f800,00\u00a0€ sur 3 mois, 9\u202f900,00\u00a0€ sur 12 mois"
    )
    expect(carte.locator("summary", has_text="Fin : allocation chômage")).to_have_count(0)
    verifier_page(page, "fin-ressource-enregistree")

    # Vu au jour de la fin, le dossier la montre encore perçue.
    page.goto(reverse("accompagnement:dossier", args=[f.pk]) + f"?au={fin.isoformat()}")
    expect(page.locator(f"#personne-{sonia.pk}")).to_contain_text("Allocation chômage")
