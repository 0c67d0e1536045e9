from django.contrib import admin

from droits.enums import NaturePrestation
from droits.models import Axe, Prestation


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


@admin.register(Prestation)
class PrestationAdmin(admin.ModelAdmin):
    """Le catalogue. Les prestations légales viennent des axes (droits/axes/) et de leurs
    variables OpenFisca : seule leur activation se règle ici. Les aides facultatives du CCAS
    s'ajoutent et se modifient ici."""

    list_display = ["libelle", "axe", "nature", "actif"]
    list_filter = ["nature", "axe", "actif"]
    search_fields = ["libelle", "code"]

    #: Ce que le droit apporte et la valeur d'une couverture se déclarent avec la prestation
    #: légale (droits/axes/) ; une aide facultative est un versement.
    DECLARES_DANS_LE_CODE = ["nature", "variables_openfisca", "forme", "valeur_couverture_annuelle"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.nature == NaturePrestation.LEGALE:
            return ["code", "libelle", "axe", "description", *self.DECLARES_DANS_LE_CODE]
        if obj is not None:
            return ["code", *self.DECLARES_DANS_LE_CODE]
        return self.DECLARES_DANS_LE_CODE

    def save_model(self, request, obj, form, change):
        if not change:
            obj.nature = NaturePrestation.FACULTATIVE  # une prestation légale vient du code
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # une prestation déjà enregistrée pour un foyer se désactive
