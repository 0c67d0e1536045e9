"""Le texte d'une page tel qu'une personne le lit : sans balises, entités décodées, blancs
réduits à une espace (comme le navigateur les affiche)."""

import html
import re


def texte_visible(page: str) -> str:
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"<[^>]+>", "", page)
    # Blancs ordinaires réduits ; l'espace fine insécable (milliers) est gardée telle quelle,
    # l'espace insécable (avant « € ») lue comme une espace.
    return re.sub(r"[ \t\n\r\f\v]+", " ", html.unescape(page).replace("\u00a0", " ")).strip()
