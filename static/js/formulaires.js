// Formulaires : le résumé des erreurs prend le focus quand il apparaît (RGAA 11.10, 11.11),
// au chargement de la page comme après un échange htmx.
function focaliserResumeErreurs(racine) {
  const resume = (racine || document).querySelector("[data-resume-erreurs]");
  if (resume) resume.focus();
}
document.addEventListener("DOMContentLoaded", () => focaliserResumeErreurs(document));
document.addEventListener("htmx:afterSettle", (evenement) => {
  const cible = evenement.detail && evenement.detail.elt;
  if (cible && cible.isConnected) focaliserResumeErreurs(cible);
});
