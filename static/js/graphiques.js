// Tableau de bord : un graphique Chart.js par tableau, à partir des données placées dans la
// page par json_script (aucun script en ligne). Les chiffres masqués (« < 5 », « secret »)
// valent null : ils ne sont pas tracés, l'infobulle dit pourquoi. Un axe par unité : les
// nombres (graduations entières) à gauche, les euros ou les heures à droite, jamais sur le même
// axe. Le mois en cours, partiel, est tracé en pointillé (ce n'est pas une chute). Les nombres
// sont écrits à la française. Un entonnoir (`horizontal`) est fait de barres couchées : une étape
// par ligne, de haut en bas, les nombres sur l'axe du bas.
(() => {
  const nombre = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 });
  const couleurs = ["#1b4f8a", "#c2571a", "#2f7d32", "#7b3f98", "#a0262e", "#00697a"];
  const pointille = [6, 4];
  function echelles(donnees) {
    const scales = {};
    donnees.axes.forEach((axe, n) => {
      const position = donnees.horizontal
        ? (axe.position === "left" ? "bottom" : "top")
        : axe.position;
      scales[axe.id] = {
        type: "linear",
        axis: donnees.horizontal ? "x" : "y",
        position,
        beginAtZero: true,
        title: { display: donnees.axes.length > 1, text: axe.titre },
        grid: { drawOnChartArea: n === 0 },
        ticks: {
          precision: axe.entier ? 0 : undefined,
          callback: (v) => nombre.format(v),
        },
      };
    });
    return scales;
  }
  function tracer(toile) {
    const source = document.getElementById(toile.dataset.graphique);
    if (!source || !window.Chart) return;
    const donnees = JSON.parse(source.textContent);
    const partielle = (i) => Boolean(donnees.partielles[i]);
    new window.Chart(toile, {
      type: donnees.type,
      data: {
        labels: donnees.libelles,
        datasets: donnees.series.map((serie, i) => {
          const couleur = couleurs[i % couleurs.length];
          return {
            label: serie.masquee ? `${serie.nom} (masquée)` : serie.nom,
            data: serie.valeurs,
            masques: serie.masques,
            unite: serie.unite,
            [donnees.horizontal ? "xAxisID" : "yAxisID"]: serie.axe,
            backgroundColor: donnees.type === "bar"
              ? serie.valeurs.map((_, j) => (partielle(j) ? `${couleur}66` : couleur))
              : couleur,
            borderColor: couleur,
            segment: {
              borderDash: (ctx) => (partielle(ctx.p1DataIndex) ? pointille : undefined),
            },
            pointStyle: serie.valeurs.map((_, j) => (partielle(j) ? "rectRot" : "circle")),
            spanGaps: false,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: donnees.horizontal ? "y" : "x",
        animation: false,
        locale: "fr-FR",
        scales: echelles(donnees),
        plugins: {
          tooltip: {
            callbacks: {
              label: (c) => {
                if (c.raw === null) return `${c.dataset.label} : ${c.dataset.masques[c.dataIndex]}`;
                const unite = c.dataset.unite ? ` ${c.dataset.unite}` : "";
                return `${c.dataset.label} : ${nombre.format(c.raw)}${unite}`;
              },
            },
          },
        },
      },
    });
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("canvas[data-graphique]").forEach(tracer);
  });
})();
