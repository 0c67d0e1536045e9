// Accueil : flèches haut/bas pour parcourir les résultats depuis la recherche.
document.addEventListener("keydown", (evenement) => {
  if (evenement.key !== "ArrowDown" && evenement.key !== "ArrowUp") return;
  const liens = Array.from(document.querySelectorAll("[data-resultat]"));
  const recherche = document.querySelector("[data-recherche]");
  const position = liens.indexOf(document.activeElement);
  if (position === -1 && document.activeElement !== recherche) return;
  evenement.preventDefault();
  if (evenement.key === "ArrowDown") {
    (liens[position + 1] || liens[0])?.focus();
  } else if (position <= 0) {
    recherche?.focus();
  } else {
    liens[position - 1].focus();
  }
});
