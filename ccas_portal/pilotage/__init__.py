"""Le tableau de bord des responsables : le haut de la pile (docs/architecture.md, « Couches »)."""
