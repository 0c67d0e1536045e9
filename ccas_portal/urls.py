from django.contrib import admin
from django.urls import include, path

from accompagnement import views as vues_accompagnement
from ccas_portal import views, vues_journal
from ccas_portal.pilotage import views as pilotage

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("connexion/", views.connexion, name="connexion"),
    path("deconnexion/", views.deconnexion, name="deconnexion"),
    path("tableau-de-bord/", pilotage.tableau_de_bord, name="tableau_de_bord"),
    path("tableau-de-bord/axes/<slug:axe>/", pilotage.tableau_de_bord, name="tableau_de_bord_axe"),
    path("tableau-de-bord/recalculer/", pilotage.recalculer, name="recalculer_tableau_de_bord"),
    path(
        "tableau-de-bord/axes/<slug:axe>/recalculer/",
        pilotage.recalculer,
        name="recalculer_tableau_de_bord_axe",
    ),
    path(
        "tableau-de-bord/export/<slug:code>.<slug:extension>",
        pilotage.exporter_tableau,
        name="export_tableau",
    ),
    path(
        "tableau-de-bord/axes/<slug:axe>/export/<slug:code>.<slug:extension>",
        pilotage.exporter_tableau,
        name="export_tableau_axe",
    ),
    path("administration/", views.administration, name="administration"),
    path("administration/workers/", views.etat_workers, name="etat_workers"),
    path("administration/journal/", vues_journal.journal, name="journal"),
    path(
        "administration/journal/export.csv",
        vues_journal.exporter_journal,
        name="export_journal",
    ),
    path("sites/<slug:code>/", vues_accompagnement.page_site, name="site"),
    path("accueil/", include("habitants.urls")),
    path("accompagnements/", include("accompagnement.urls")),
    path("droits/", include("droits.urls")),
    path("administration/technique/", admin.site.urls),
]

handler403 = "ccas_portal.views.erreur_403"
