"""Le texte d'une page tel qu'une personne le lit : sans balises, entités décodées, blancs
réduits à une espace (comme le navigateur les affiche)."""

import html
import re


def texte_visible(page: str) -> str:
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"<[^>]+>", "", page)
    return re.sub(r"\s+", " ", html.unescape(page).replace("\u00a0", " ")).strip()
