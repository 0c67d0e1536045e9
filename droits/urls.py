from django.urls import path

from droits import views, vues_documents

app_name = "droits"
urlpatterns = [
    path("signalements/", views.signalements, name="signalements"),
    path("signalements/<int:pk>/", views.signalement, name="signalement"),
    path("signalements/<int:pk>/etat/", views.changer_etat, name="changer_etat"),
    path("signalements/<int:pk>/attribuer/", views.attribuer, name="attribuer"),
    path("foyers/<int:foyer_pk>/prestations/", views.ajouter_prestation, name="ajouter_prestation"),
    path("foyers/<int:foyer_pk>/simuler/", views.simuler_foyer, name="simuler_foyer"),
    path("foyers/<int:foyer_pk>/simulation/", views.simulation_foyer, name="simulation_foyer"),
    path("foyers/<int:foyer_pk>/pieces/", vues_documents.deposer, name="deposer_piece"),
    path("pieces/<int:pk>/", vues_documents.telecharger, name="telecharger_piece"),
    path("pieces/<int:pk>/suppression/", vues_documents.supprimer, name="supprimer_piece"),
    path("detection/", views.detection, name="detection"),
    path("detection/<int:pk>/progression/", views.progression, name="progression"),
    path("detection/<int:pk>/reprendre/", views.reprendre_detection, name="reprendre_detection"),
]
