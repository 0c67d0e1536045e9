from django.urls import path

from accompagnement import views

app_name = "accompagnement"
urlpatterns = [
    path("", views.mes_accompagnements, name="mes_accompagnements"),
]
