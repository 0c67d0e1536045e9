"""Parcours dans un vrai Chromium (paquet Debian) piloté par Playwright, avec axe-core.

Chaque page visitée passe axe-core (embarqué dans axe-playwright-python, servi localement) ;
sa capture d'écran et son rapport sont écrits dans tests/artefacts/.
"""

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

# Playwright (synchrone) tourne dans une boucle asyncio : Django doit l'accepter pour les
# accès base des fixtures dans ce même fil.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
OPTIONS_CHROMIUM = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Chromium en français, comme le poste d'un agent : les champs de date s'affichent et se
#: tapent jj/mm/aaaa (`locale="fr-FR"` du contexte ne suffit pas pour eux). Il lui faut la
#: langue de l'environnement et sa traduction française (paquet Debian chromium-l10n,
#: installé par `make navigateur`).
ENVIRONNEMENT_CHROMIUM = {"LANGUAGE": "fr_FR:fr"}
IMPACTS_BLOQUANTS = {"serious", "critical"}
#: Vrai quand htmx n'a plus de requête en vol ni d'échange en cours (classes qu'il pose le temps
#: d'une requête, d'un remplacement et de sa mise en place).
HTMX_AU_REPOS = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"

pytestmark = pytest.mark.navigateur


def chemin_chromium() -> str:
    chemin = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chemin).exists():
        pytest.fail(
            "Chromium introuvable : installez le paquet Debian « chromium » "
            "(make navigateur) ou indiquez son chemin dans CHROMIUM_PATH."
        )
    return chemin


@pytest.fixture(scope="session")
def navigateur():
    with sync_playwright() as p:
        navigateur = p.chromium.launch(
            executable_path=chemin_chromium(),
            args=OPTIONS_CHROMIUM,
            env={**os.environ, **ENVIRONNEMENT_CHROMIUM},
        )
        yield navigateur
        navigateur.close()


def _formulaire_refuse(texte: str) -> bool:
    """Chromium note en console toute page reçue en 4xx : un formulaire refusé sans JavaScript
    revient exprès en 422 avec ses erreurs (la page est vérifiée par le test lui-même)."""
    return "the server responded with a status of 422" in texte


@pytest.fixture
def page(navigateur, live_server):
    contexte = navigateur.new_context(base_url=live_server.url, locale="fr-FR")
    page = contexte.new_page()
    page.erreurs_console = []
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not _formulaire_refuse(message.text)
            and page.erreurs_console.append(f"{page.url} : {message.text} ({message.location})")
        ),
    )
    page.on("pageerror", lambda erreur: page.erreurs_console.append(str(erreur)))
    yield page
    contexte.close()
    # Une violation de la politique de sécurité du contenu apparaît ici.
    assert page.erreurs_console == []


_axe = Axe()


@pytest.fixture
def verifier_page(request):
    """verifier_page(page, nom) : capture d'écran, axe-core, aucune violation grave."""

    def verifier(page, nom: str):
        ARTEFACTS.mkdir(exist_ok=True)
        fichier = re.sub(r"[^\w-]+", "_", f"{request.node.name}-{nom}")
        # La page chargée et htmx au repos (aucune requête en vol, aucun échange en cours) :
        # un état, là où « networkidle » attendait en plus 500 ms sans trafic à chaque page.
        page.wait_for_load_state("load")
        page.wait_for_function(HTMX_AU_REPOS)
        page.screenshot(path=ARTEFACTS / f"{fichier}.png", full_page=True)
        resultats = _axe.run(page)
        (ARTEFACTS / f"{fichier}.axe.json").write_text(
            json.dumps(resultats.response["violations"], indent=2, ensure_ascii=False)
        )
        graves = [
            f"{v['id']} ({v['impact']}) : {v['help']} — {[n['target'] for n in v['nodes']]}"
            for v in resultats.response["violations"]
            if v["impact"] in IMPACTS_BLOQUANTS
        ]
        assert graves == [], f"{nom} : violations d'accessibilité\n" + "\n".join(graves)
        return resultats

    return verifier
