from django.urls import path

from habitants import views

app_name = "habitants"
urlpatterns = [
    path("", views.guichet, name="guichet"),
]
