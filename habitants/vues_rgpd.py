"""Droits de la personne (RGPD) : droit d'accès (export PDF et ZIP, travailleur social des
sites de la personne ou administrateur) et effacement / opposition (administrateur, après
confirmation). Les écritures et la lecture passent par `conservation` et `export_personne` ;
chaque export et chaque effacement est journalisé."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.enums import ActionJournal
from ccas_portal.forms import ecrire_une_fois
from ccas_portal.journal import journaliser
from habitants import conservation, export_personne
from habitants.forms import EffacementForm, RechercheAdminForm
from habitants.models import Habitant
from habitants.normalisation import normaliser

FORMATS = {"pdf": "application/pdf", "zip": "application/zip"}


def peut_exporter(agent) -> bool:
    return perms.peut_accompagner(agent) or perms.peut_administrer(agent)


def _personne(agent, pk) -> Habitant:
    """Un administrateur atteint toute personne (non anonymisée) ; un travailleur social,
    celles de ses sites (404 sinon : l'existence ne fuit pas)."""
    if perms.peut_administrer(agent):
        personnes = Habitant.objects.filter(anonymise_le__isnull=True)
    else:
        personnes = Habitant.objects.visibles_par(agent)
    return get_object_or_404(personnes.select_related("site"), pk=pk)


@require_GET
@permission_requise(peut_exporter)
def donnees(request, pk):
    habitant = _personne(request.user, pk)
    sections = export_personne.donnees_de_la_personne(habitant)
    return render(
        request,
        "habitants/donnees.html",
        {
            "habitant": habitant,
            "sections": sections,
            "peut_effacer": perms.peut_administrer(request.user),
        },
    )


@require_GET
@permission_requise(peut_exporter)
def telecharger(request, pk, extension):
    if extension not in FORMATS:
        raise Http404("Format inconnu.")
    habitant = _personne(request.user, pk)
    sections = export_personne.donnees_de_la_personne(habitant)
    produit_par = request.user.get_full_name() or request.user.username
    pdf = export_personne.en_pdf(habitant, sections, produit_par=produit_par)
    contenu = pdf if extension == "pdf" else export_personne.en_archive(habitant, sections, pdf)
    journaliser(
        agent=request.user,
        action=ActionJournal.EXPORT,
        objet=habitant,
        details={"droit_d_acces": extension},
        request=request,
    )
    reponse = HttpResponse(contenu, content_type=FORMATS[extension])
    reponse["Content-Disposition"] = (
        f'attachment; filename="donnees-personne-{habitant.pk}.{extension}"'
    )
    return reponse


@require_GET
@permission_requise(perms.peut_administrer)
def personnes(request):
    """Administration : trouver une personne (tous sites) pour un droit d'accès ou un
    effacement."""
    form = RechercheAdminForm(request.GET or None)
    trouvees = []
    if form.is_valid() and form.cleaned_data["q"]:
        texte = normaliser(form.cleaned_data["q"])
        trouvees = list(
            Habitant.objects.filter(anonymise_le__isnull=True, recherche__contains=texte)
            .select_related("site")
            .order_by("nom_normalise", "prenoms_normalises", "pk")[:50]
        )
        # L'administrateur ne lit d'ordinaire aucune donnée nominative : chaque recherche ici
        # est inscrite au journal (ce qui a été cherché, combien de fiches montrées).
        journaliser(
            agent=request.user,
            action=ActionJournal.CONSULTATION,
            objet_type="habitants.habitant",
            details={"recherche_droits_des_personnes": texte, "fiches": [h.pk for h in trouvees]},
            request=request,
        )
    return render(
        request,
        "habitants/personnes_admin.html",
        {"form": form, "trouvees": trouvees, "cherche": form.is_bound},
    )


@require_http_methods(["GET", "POST"])
@permission_requise(perms.peut_administrer)
def effacer(request, pk):
    """Effacement ou opposition : anonymise la personne après confirmation."""
    habitant = _personne(request.user, pk)
    action = reverse("effacer_personne", args=[pk])
    if request.method == "POST":
        form = EffacementForm(request.POST, action=action)
        message = ecrire_une_fois(
            form,
            agent=request.user,
            ecrire=lambda d: conservation.anonymiser_habitant(
                habitant=habitant,
                agent=request.user,
                motif=dict(form.fields["motif"].choices)[d["motif"]],
                request=request,
            ),
            succes=f"La fiche n° {habitant.pk} est anonymisée.",
        )
        if message:
            messages.success(request, message)
            return redirect("personnes_admin")
        statut = 422
    else:
        form = EffacementForm(action=action)
        statut = 200
    ouvert = conservation.tenues_ouvertes().get(habitant.pk)
    return render(
        request,
        "habitants/effacer.html",
        {
            "habitant": habitant,
            "form": form,
            "efface": conservation.EFFACE,
            "garde": conservation.GARDE,
            "tenu_ouvert": conservation.TENU_OUVERT.get(ouvert) if ouvert else None,
        },
        status=statut,
    )
