from django.contrib import admin

from accompagnement.models import Partenaire


@admin.register(Partenaire)
class PartenaireAdmin(admin.ModelAdmin):
    """L'annuaire des partenaires, modifiable par un administrateur.

    L'annuaire de référence (accompagnement/referentiels.py) est remis à jour par
    `charger_referentiels` ; les partenaires ajoutés ici sont gardés.
    """

    list_display = ["nom", "type", "telephone", "courriel", "actif"]
    list_filter = ["type", "actif"]
    search_fields = ["nom", "code"]
    prepopulated_fields = {"code": ["nom"]}

    def has_delete_permission(self, request, obj=None):
        return False  # un partenaire déjà sollicité se désactive, il ne s'efface pas
