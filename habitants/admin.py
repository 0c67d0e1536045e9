from django.contrib import admin

from habitants.models import Motif


@admin.register(Motif)
class MotifAdmin(admin.ModelAdmin):
    """La liste des motifs de passage, modifiable par un administrateur.

    Les motifs déclarés par les axes (droits/axes/) sont remis à jour par
    `charger_referentiels` ; ceux ajoutés ici sont gardés.
    """

    list_display = ["libelle", "axe", "ordre", "actif"]
    list_filter = ["axe", "actif"]
    search_fields = ["libelle", "code"]

    def has_delete_permission(self, request, obj=None):
        return False  # un motif déjà utilisé se désactive, il ne s'efface pas
