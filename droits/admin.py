from django.contrib import admin

from droits.enums import NaturePrestation
from droits.models import Prestation


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


# Le règlement des aides facultatives (droits/instruction/) : versions, types, motifs, budgets.

from django import forms as dj_forms  # noqa: E402

from droits.instruction.enums import ModePaiement  # noqa: E402
from droits.instruction.models import Budget, MotifRefus, Reglement, TypeAide  # noqa: E402


class TypeAideForm(dj_forms.ModelForm):
    modes_paiement = dj_forms.MultipleChoiceField(
        label="modes de paiement",
        choices=ModePaiement.choices,
        widget=dj_forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TypeAide
        fields = [
            "code",
            "libelle",
            "axe",
            "prestation",
            "remboursable",
            "seuil_reste_a_vivre_uc",
            "age_min",
            "age_max",
            "residence_commune",
            "plafond_demande",
            "plafond_12_mois",
            "modes_paiement",
            "urgence_possible",
        ]


class _FigeeSiAppliquee:
    """Une version sous laquelle une décision a été prise ne change plus : le conseil
    d'administration en vote une nouvelle (date d'effet suivante)."""

    def _appliquee(self, obj) -> bool:
        reglement = obj if isinstance(obj, Reglement) else getattr(obj, "reglement", None)
        return reglement is not None and reglement.pk and reglement.decisions.exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (
            obj is not None and self._appliquee(obj)
        )

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (
            obj is not None and self._appliquee(obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (
            obj is not None and self._appliquee(obj)
        )


class TypeAideInline(_FigeeSiAppliquee, admin.StackedInline):
    model = TypeAide
    form = TypeAideForm
    extra = 0


class MotifRefusInline(_FigeeSiAppliquee, admin.TabularInline):
    model = MotifRefus
    extra = 1


@admin.register(Reglement)
class ReglementAdmin(_FigeeSiAppliquee, admin.ModelAdmin):
    list_display = ["libelle", "date_effet", "vote_le"]
    inlines = [TypeAideInline, MotifRefusInline]

    def has_add_permission(self, request, obj=None):
        return admin.ModelAdmin.has_add_permission(self, request)


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["annee", "code_type", "site", "vote"]
    list_filter = ["annee", "code_type", "site"]
