// Fin de session annoncée : deux minutes avant que la session ne prenne fin faute d'activité
// (ou n'atteigne sa durée maximale), une fenêtre modale (rôle alertdialog) le dit, avec un
// décompte et « Rester connecté ». Le serveur seul décide (ccas_portal/middleware.py) : le
// script lui demande le temps restant, par une requête qui ne compte pas comme activité ; une
// activité dans un autre onglet repousse donc l'avertissement.
(function () {
  "use strict";
  const corps = document.body;
  const dialogue = document.getElementById("avertissement-inactivite");
  if (!dialogue || !corps.dataset.etatSession) return;

  const avance = Number(corps.dataset.avertissementSecondes) || 120;
  const urlEtat = corps.dataset.etatSession;
  const urlProlonger = corps.dataset.prolongerSession;
  const urlConnexion = corps.dataset.connexion;
  const boutonProlonger = dialogue.querySelector("[data-prolonger]");
  const texteProlongeable = dialogue.querySelector("[data-prolongeable]");
  const texteFinale = dialogue.querySelector("[data-non-prolongeable]");
  let minuteur = null;
  let decompte = null;
  let finPrevue = 0;

  function jetonCsrf() {
    try {
      return JSON.parse(corps.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (erreur) {
      return "";
    }
  }

  function duree(secondes) {
    const minutes = Math.floor(secondes / 60);
    const reste = secondes % 60;
    const enMinutes = minutes === 1 ? "1 minute" : minutes + " minutes";
    const enSecondes = reste <= 1 ? reste + " seconde" : reste + " secondes";
    if (minutes === 0) return enSecondes;
    return reste === 0 ? enMinutes : enMinutes + " " + enSecondes;
  }

  function terminer(motif) {
    const suite = window.location.pathname + window.location.search;
    window.location.assign(
      urlConnexion + "?fin=" + encodeURIComponent(motif || "inactivite") +
      "&next=" + encodeURIComponent(suite)
    );
  }

  function planifier(secondesRestantes) {
    window.clearTimeout(minuteur);
    finPrevue = Date.now() + secondesRestantes * 1000;
    minuteur = window.setTimeout(verifier, Math.max(0, secondesRestantes - avance) * 1000);
  }

  async function demander(url, options) {
    const reponse = await window.fetch(url, {
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "X-Portail-Arriere-Plan": "1",
        "X-CSRFToken": jetonCsrf(),
      },
      ...options,
    });
    if (!reponse.ok || reponse.redirected) return { connecte: false };
    return reponse.json();
  }

  async function verifier() {
    let etat;
    try {
      etat = await demander(urlEtat);
    } catch (erreur) {
      planifier(Math.max(avance + 30, 60)); // réseau coupé : on redemandera
      return;
    }
    if (!etat.connecte || etat.secondes_restantes <= 0) {
      terminer(etat.fin);
      return;
    }
    if (etat.secondes_restantes > avance + 5) {
      fermer();
      planifier(etat.secondes_restantes);
      return;
    }
    montrer(etat);
  }

  function montrer(etat) {
    finPrevue = Date.now() + etat.secondes_restantes * 1000;
    texteProlongeable.hidden = !etat.prolongeable;
    texteFinale.hidden = etat.prolongeable;
    boutonProlonger.hidden = !etat.prolongeable;
    dialogue.setAttribute(
      "aria-describedby",
      etat.prolongeable ? "avertissement-inactivite-texte" : ""
    );
    if (!dialogue.open) {
      dialogue.showModal();
      (etat.prolongeable ? boutonProlonger : dialogue.querySelector("[data-fermer]")).focus();
    }
    mettreAJour();
    window.clearInterval(decompte);
    decompte = window.setInterval(mettreAJour, 1000);
  }

  function mettreAJour() {
    const reste = Math.max(0, Math.round((finPrevue - Date.now()) / 1000));
    dialogue.querySelectorAll("[data-reste]").forEach((element) => {
      element.textContent = duree(reste);
    });
    if (reste <= 0) {
      window.clearInterval(decompte);
      verifier();
    }
  }

  function fermer() {
    window.clearInterval(decompte);
    if (dialogue.open) dialogue.close();
  }

  async function prolonger() {
    boutonProlonger.disabled = true;
    try {
      const etat = await demander(urlProlonger, { method: "POST" });
      if (!etat.connecte) {
        terminer(etat.fin);
        return;
      }
      fermer();
      planifier(etat.secondes_restantes);
    } finally {
      boutonProlonger.disabled = false;
    }
  }

  // « Fermer » (ou Échap) ferme la fenêtre sans prolonger : la fin reste prévue, et le
  // serveur est interrogé à cette heure-là (une activité entre-temps la repousse).
  function fermerSansProlonger() {
    fermer();
    window.clearTimeout(minuteur);
    minuteur = window.setTimeout(verifier, Math.max(0, finPrevue - Date.now()));
  }

  boutonProlonger.addEventListener("click", prolonger);
  dialogue.querySelector("[data-fermer]").addEventListener("click", fermerSansProlonger);
  dialogue.addEventListener("cancel", (evenement) => {
    evenement.preventDefault();
    fermerSansProlonger();
  });

  planifier(Number(corps.dataset.inactiviteSecondes) || 1800);
})();
