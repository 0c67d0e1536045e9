from django.contrib import admin

from droits.models import Axe


@admin.register(Axe)
class AxeAdmin(admin.ModelAdmin):
    """Les axes se déclarent dans le code (droits/axes/) : ici on les consulte."""

    list_display = ["ordre", "libelle_court", "code", "actif"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
