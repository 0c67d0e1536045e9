from django.urls import path

from droits import views, vues_documents
from droits.instruction import views as instruction

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
    # L'instruction des demandes (droits/instruction/).
    path("demandes/", instruction.demandes, name="demandes"),
    path(
        "foyers/<int:foyer_pk>/demandes/nouvelle/",
        instruction.nouvelle_demande,
        name="nouvelle_demande",
    ),
    path("demandes/<int:pk>/", instruction.demande, name="demande"),
    path(
        "demandes/<int:pk>/evaluation/",
        instruction.completer_evaluation,
        name="completer_evaluation",
    ),
    path("demandes/<int:pk>/pieces/", instruction.joindre_piece, name="joindre_piece"),
    path("demandes/<int:pk>/commission/", instruction.presenter, name="presenter"),
    path("demandes/<int:pk>/transmission/", instruction.transmettre, name="transmettre"),
    path("demandes/<int:pk>/cloture/", instruction.clore_logement, name="clore_logement"),
    path("lettres/<int:pk>/", instruction.lettre, name="lettre"),
    path("commission/", instruction.commission, name="commission"),
    path("commission/seances/<int:pk>/", instruction.seance, name="seance"),
    path(
        "commission/seances/<int:pk>/demandes/<int:demande_pk>/decision/",
        instruction.decider,
        name="decider",
    ),
    path("commission/seances/<int:pk>/cloture/", instruction.cloturer, name="cloturer"),
    path(
        "commission/seances/<int:pk>/proces-verbal.pdf",
        instruction.proces_verbal_pdf,
        name="proces_verbal",
    ),
    path("commission/urgence/<int:demande_pk>/", instruction.urgence, name="urgence"),
    path("paiements/", instruction.paiements, name="paiements"),
    path("paiements/<int:pk>/", instruction.payer, name="payer"),
]
