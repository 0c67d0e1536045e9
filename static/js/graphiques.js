// Tableau de bord : un graphique Chart.js par tableau, à partir des données placées dans la
// page par json_script (aucun script en ligne). Les chiffres masqués (« < 5 », « secret »)
// valent null : ils ne sont pas tracés, l'infobulle dit pourquoi. Les nombres sont écrits à la française.
(() => {
  const nombre = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 });
  const couleurs = ["#1b4f8a", "#c2571a", "#2f7d32", "#7b3f98", "#a0262e", "#00697a"];
  function tracer(toile) {
    const source = document.getElementById(toile.dataset.graphique);
    if (!source || !window.Chart) return;
    const donnees = JSON.parse(source.textContent);
    new window.Chart(toile, {
      type: donnees.type,
      data: {
        labels: donnees.libelles,
        datasets: donnees.series.map((serie, i) => ({
          label: serie.nom,
          data: serie.valeurs,
          masques: serie.masques,
          backgroundColor: couleurs[i % couleurs.length],
          borderColor: couleurs[i % couleurs.length],
          spanGaps: false,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        locale: "fr-FR",
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => nombre.format(v) } } },
        plugins: {
          tooltip: {
            callbacks: {
              label: (c) =>
                `${c.dataset.label} : ${
                  c.raw === null ? c.dataset.masques[c.dataIndex] : nombre.format(c.raw)
                }`,
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
