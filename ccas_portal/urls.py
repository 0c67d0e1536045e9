from django.contrib import admin
from django.urls import include, path

from accompagnement import views as vues_accompagnement
from ccas_portal import views, vues_compte, vues_journal
from ccas_portal.pilotage import views as pilotage
from habitants import vues_rgpd

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("connexion/", views.connexion, name="connexion"),
    path("deconnexion/", views.deconnexion, name="deconnexion"),
    path("connexion/code/", vues_compte.verification_code, name="verification_code"),
    path("connexion/code-de-secours/", vues_compte.code_de_secours, name="code_de_secours"),
    path("compte/", vues_compte.mon_compte, name="mon_compte"),
    path("compte/mot-de-passe/", vues_compte.changer_mot_de_passe, name="changer_mot_de_passe"),
    path(
        "compte/double-authentification/",
        vues_compte.activer_double_authentification,
        name="activer_double_authentification",
    ),
    path(
        "compte/double-authentification/desactiver/",
        vues_compte.desactiver_double_authentification,
        name="desactiver_double_authentification",
    ),
    path("compte/codes-de-secours/", vues_compte.codes_de_secours, name="codes_de_secours"),
    path("session/etat/", vues_compte.etat_session, name="etat_session"),
    path("session/prolonger/", vues_compte.prolonger_session, name="prolonger_session"),
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
    path("administration/personnes/", vues_rgpd.personnes, name="personnes_admin"),
    path("administration/personnes/<int:pk>/effacer/", vues_rgpd.effacer, name="effacer_personne"),
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
