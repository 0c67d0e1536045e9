// Séance d'action collective : une personne cochée dans les résultats de recherche rejoint
// la liste des participants choisis (elle y reste quand on cherche quelqu'un d'autre).
document.addEventListener("change", (evenement) => {
  const caseACocher = evenement.target;
  if (!caseACocher.matches("#resultats-participants input[name=participants]")) return;
  const choisis = document.getElementById("participants-choisis");
  if (!caseACocher.checked || !choisis) return;
  if (choisis.querySelector(`input[value="${caseACocher.value}"]`)) {
    caseACocher.closest("li").remove();
    return;
  }
  choisis.appendChild(caseACocher.closest("li"));
  caseACocher.focus();
});
