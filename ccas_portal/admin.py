from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from accompagnement.selectors import accompagnements_a_passer
from ccas_portal import double_authentification
from ccas_portal.formats import compte
from ccas_portal.models import Agent, Axe, EchecConnexion, EntreeJournal, Partenaire, Site
from ccas_portal.services import (
    appliquer_role,
    modifier_affectation,
    rendre_mot_de_passe_provisoire,
)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["nom", "type", "secteur", "commune", "actif"]
    list_filter = ["type", "actif"]
    search_fields = ["nom", "code"]


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


@admin.register(Partenaire)
class PartenaireAdmin(admin.ModelAdmin):
    """L'annuaire des partenaires, modifiable par un administrateur.

    L'annuaire de référence (accompagnement/referentiels.py, chargé par `accompagnement.services`) est remis à jour par
    `charger_referentiels` ; les partenaires ajoutés ici sont gardés.
    """

    list_display = ["nom", "type", "telephone", "courriel", "actif"]
    list_filter = ["type", "actif"]
    search_fields = ["nom", "code"]
    prepopulated_fields = {"code": ["nom"]}

    def has_delete_permission(self, request, obj=None):
        return False  # un partenaire déjà sollicité se désactive, il ne s'efface pas


@admin.register(Agent)
class AgentAdmin(UserAdmin):
    list_display = ["username", "last_name", "first_name", "role", "is_active"]
    list_filter = ["role", "is_active", "sites"]
    filter_horizontal = ["sites"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Identité", {"fields": ("first_name", "last_name", "email")}),
        ("Affectation", {"fields": ("role", "sites", "is_active")}),
        ("Sécurité", {"fields": ("mot_de_passe_provisoire",)}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    actions = ["retirer_double_authentification"]
    add_fieldsets = (
        (None, {"fields": ("username", "usable_password", "password1", "password2")}),
        ("Affectation", {"fields": ("first_name", "last_name", "role", "sites")}),
    )

    def save_model(self, request, obj, form, change):
        # Les drapeaux d'administration suivent le rôle : c'est le service qui les pose.
        appliquer_role(obj, obj.role)
        # Un mot de passe donné à la création (vérifié par la politique des mots de passe dans
        # le formulaire de Django) est provisoire : l'agent le change à sa première connexion.
        if not change and obj.has_usable_password():
            obj.mot_de_passe_provisoire = True
        super().save_model(request, obj, form, change)

    @admin.action(description="Retirer la double authentification (téléphone perdu)")
    def retirer_double_authentification(self, request, queryset):
        for agent in queryset:
            double_authentification.retirer(agent=agent, par=request.user)
        self.message_user(
            request,
            f"Double authentification retirée : {compte(len(queryset), 'agent', 'agents')}. "
            "Chacun activera une nouvelle application à sa prochaine connexion.",
        )

    def user_change_password(self, request, id, form_url=""):
        """« Modifier le mot de passe » d'un autre agent (le formulaire de Django vérifie la
        politique des mots de passe) : ce mot de passe est provisoire."""
        reponse = super().user_change_password(request, id, form_url)
        agent = self.get_object(request, id)
        autre = agent is not None and agent.pk != request.user.pk
        if reponse.status_code == 302 and autre and agent.has_usable_password():
            rendre_mot_de_passe_provisoire(agent=agent, par=request.user)
        return reponse

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        modifier_affectation(
            agent=form.instance, role=form.instance.role, sites=form.cleaned_data["sites"]
        )
        self._annoncer_passation(request, form.instance)

    def _annoncer_passation(self, request, agent):
        """Après un changement de sites, de rôle ou une désactivation : l'agent n'a plus accès
        aux foyers qu'il a quittés ; ses accompagnements en cours là-bas sont à passer."""
        nombre = (
            accompagnements_a_passer()
            .filter(Q(referent=agent) | Q(co_intervenants=agent))
            .distinct()
            .count()
        )
        if nombre:
            messages.warning(
                request,
                format_html(
                    '{} n\'a plus accès à {} : <a href="{}">passer ses accompagnements</a>.',
                    agent,
                    compte(nombre, "accompagnement en cours", "accompagnements en cours"),
                    reverse("accompagnement:passation", args=[agent.pk]),
                ),
            )


@admin.register(EntreeJournal)
class EntreeJournalAdmin(admin.ModelAdmin):
    """Consultation seule : le journal ne s'écrit que par ccas_portal.journal.journaliser."""

    list_display = ["horodatage", "agent_libelle", "action", "objet_type", "objet_id"]
    list_filter = ["action", "objet_type"]
    search_fields = ["agent_libelle", "objet_id"]
    date_hierarchy = "horodatage"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EchecConnexion)
class EchecConnexionAdmin(admin.ModelAdmin):
    """Les échecs de connexion récents ; en supprimer ceux d'un identifiant le débloque."""

    list_display = ["le", "identifiant", "adresse_ip"]
    search_fields = ["identifiant"]
    date_hierarchy = "le"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
