from django.contrib import admin
from django.urls import include, path

from accompagnement import views as vues_accompagnement
from ccas_portal import views

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("connexion/", views.connexion, name="connexion"),
    path("deconnexion/", views.deconnexion, name="deconnexion"),
    path("tableau-de-bord/", views.tableau_de_bord, name="tableau_de_bord"),
    path("administration/", views.administration, name="administration"),
    path("administration/workers/", views.etat_workers, name="etat_workers"),
    path("sites/<slug:code>/", vues_accompagnement.page_site, name="site"),
    path("accueil/", include("habitants.urls")),
    path("accompagnements/", include("accompagnement.urls")),
    path("droits/", include("droits.urls")),
    path("administration/technique/", admin.site.urls),
]

handler403 = "ccas_portal.views.erreur_403"
