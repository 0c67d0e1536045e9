from django.urls import path

from habitants import views, vues_fusion, vues_rgpd

app_name = "habitants"
urlpatterns = [
    path("", views.guichet, name="guichet"),
    path("passages/", views.enregistrer_passage, name="enregistrer_passage"),
    path("habitants/nouveau/", views.inscrire, name="inscrire"),
    path("habitants/<int:pk>/", views.fiche, name="fiche"),
    path("habitants/<int:pk>/information/", views.informer, name="informer"),
    path("habitants/<int:pk>/coordonnees/", views.coordonnees, name="coordonnees"),
    path("habitants/<int:pk>/foyer/adresse/", views.adresse_foyer, name="adresse_foyer"),
    path("habitants/<int:pk>/foyer/nouveau/", views.creer_foyer, name="creer_foyer"),
    path("habitants/<int:pk>/foyer/rattacher/", views.rattacher, name="rattacher"),
    path("habitants/<int:pk>/donnees/", vues_rgpd.donnees, name="donnees"),
    path(
        "habitants/<int:pk>/donnees.<slug:extension>",
        vues_rgpd.telecharger,
        name="telecharger_donnees",
    ),
    path("habitants/<int:pk>/fusion/", vues_fusion.choisir, name="fusion_choisir"),
    path(
        "habitants/<int:pk>/fusion/<int:autre_pk>/",
        vues_fusion.comparer_et_fusionner,
        name="fusion",
    ),
]
