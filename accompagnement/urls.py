from django.urls import path

from accompagnement import dossier_social, passation, views
from habitants import vues_partage

app_name = "accompagnement"
urlpatterns = [
    path("", views.mes_accompagnements, name="mes_accompagnements"),
    path("foyers/<int:pk>/", views.dossier, name="dossier"),
    path("foyers/<int:pk>/ouvrir/", views.ouvrir, name="ouvrir"),
    path("foyers/<int:pk>/logement/", dossier_social.modifier_logement, name="modifier_logement"),
    path("foyers/<int:pk>/loyers/", dossier_social.enregistrer_loyer, name="enregistrer_loyer"),
    path(
        "foyers/<int:pk>/loyers/<int:periode_pk>/",
        dossier_social.corriger_loyer,
        name="corriger_loyer",
    ),
    path(
        "foyers/<int:pk>/situations-conjugales/<int:situation_pk>/",
        dossier_social.corriger_situation_conjugale,
        name="corriger_situation_conjugale",
    ),
    path(
        "foyers/<int:pk>/membres/existant/",
        dossier_social.ajouter_membre_existant,
        name="ajouter_membre_existant",
    ),
    path(
        "foyers/<int:pk>/membres/nouveau/",
        dossier_social.ajouter_nouveau_membre,
        name="ajouter_nouveau_membre",
    ),
    path(
        "foyers/<int:pk>/membres/<int:membre_pk>/fin/",
        dossier_social.terminer_appartenance,
        name="terminer_appartenance",
    ),
    path(
        "foyers/<int:pk>/personnes/<int:habitant_pk>/identite/",
        dossier_social.rectifier_identite,
        name="rectifier_identite",
    ),
    path(
        "foyers/<int:pk>/personnes/<int:habitant_pk>/situation/",
        dossier_social.situation_personnelle,
        name="situation_personnelle",
    ),
    path(
        "foyers/<int:pk>/personnes/<int:habitant_pk>/sante/",
        dossier_social.sante,
        name="sante",
    ),
    path(
        "foyers/<int:pk>/personnes/<int:habitant_pk>/ressources/",
        dossier_social.ajouter_ressource,
        name="ajouter_ressource",
    ),
    path(
        "foyers/<int:pk>/ressources/<int:ressource_pk>/",
        dossier_social.corriger_ressource,
        name="corriger_ressource",
    ),
    path(
        "foyers/<int:pk>/ressources/<int:ressource_pk>/fin/",
        dossier_social.terminer_ressource,
        name="terminer_ressource",
    ),
    path("foyers/<int:pk>/transfert/", vues_partage.demander_transfert, name="demander_transfert"),
    path("partages/", vues_partage.partages, name="partages"),
    path("partages/demander/", vues_partage.demander, name="demander_partage"),
    path("partages/<int:pk>/decision/", vues_partage.decider, name="decider_partage"),
    path("partages/<int:pk>/retrait/", vues_partage.retirer, name="retirer_partage"),
    path("partages/<int:pk>/fin/", vues_partage.terminer, name="terminer_partage"),
    path("passation/", passation.passations, name="passations"),
    path("passation/choisir/", passation.choisir_agent, name="passation_choisir"),
    path("passation/agents/<int:pk>/", passation.passation, name="passation"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/statut/", views.changer_statut, name="changer_statut"),
    path("<int:pk>/faits/", views.faits, name="faits"),
    path("<int:pk>/objectifs/", views.ajouter_objectif, name="ajouter_objectif"),
    path("<int:pk>/actions/", views.ajouter_action, name="ajouter_action"),
    path("<int:pk>/actions/<int:action_pk>/statut/", views.statut_action, name="statut_action"),
    path("<int:pk>/interventions/", views.ajouter_intervention, name="ajouter_intervention"),
    path("<int:pk>/orientations/", views.orienter, name="orienter"),
    path(
        "<int:pk>/orientations/<int:orientation_pk>/suivi/",
        views.suivre_orientation,
        name="suivre_orientation",
    ),
    path("actions-collectives/", views.actions_collectives, name="actions_collectives"),
    path("actions-collectives/<int:pk>/", views.action_collective, name="action_collective"),
    path(
        "actions-collectives/<int:pk>/seances/", views.enregistrer_seance, name="enregistrer_seance"
    ),
    path(
        "actions-collectives/<int:pk>/participants/",
        views.chercher_participants,
        name="chercher_participants",
    ),
]
