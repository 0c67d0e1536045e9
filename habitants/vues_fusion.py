"""Écrans de la fusion de deux fiches d'une même personne (travailleur social) : choisir la
seconde fiche, comparer les deux côte à côte, choisir les valeurs gardées, confirmer. Le
service est `habitants.fusion.fusionner_habitants`. Pages ordinaires : sans JavaScript."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.enums import ActionJournal
from ccas_portal.formats import compte
from ccas_portal.forms import DEJA_ENREGISTRE, FormulairePortail, ecrire_une_fois
from ccas_portal.journal import journaliser
from ccas_portal.models import EntreeJournal
from habitants import fusion, selectors
from habitants.forms import RecherchePersonneForm
from habitants.models import Habitant, SituationSante

RESULTATS_MAX = 10


class Radios(forms.RadioSelect):
    """Boutons radio dont le libellé du groupe (et le lien du résumé des erreurs) mène au
    premier bouton."""

    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, 0 if index is None else index)


CHOISIR = "Choisissez la valeur de l'une des deux fiches."


class FusionForm(FormulairePortail):
    """Fiche conservée, une valeur par choix où les deux fiches diffèrent, confirmation.

    Chaque bouton radio vaut l'identifiant de la fiche dont il porte la valeur : le choix
    ne dépend pas de la fiche conservée, qu'on peut changer sans perdre les autres."""

    ident = "fusion"
    bouton = "Fusionner définitivement"

    conservee = forms.TypedChoiceField(
        label="Fiche conservée",
        coerce=int,
        widget=Radios,
        error_messages={"required": CHOISIR, "invalid_choice": CHOISIR},
        help_text="L'autre fiche est supprimée : tout ce qui la concerne rejoint celle-ci.",
    )
    confirmation = forms.BooleanField(
        label="Je comprends que la fusion est définitive : l'autre fiche sera supprimée et "
        "la fusion ne pourra pas être défaite.",
        error_messages={"required": "Cochez cette case pour confirmer : la fusion est définitive."},
    )

    def __init__(self, *args, comparaison, **kwargs):
        super().__init__(*args, **kwargs)
        a, b = comparaison["a"], comparaison["b"]
        self.fields["conservee"].choices = [(a.pk, _fiche(a)), (b.pk, _fiche(b))]
        self.initial.setdefault("conservee", comparaison["conservee_par_defaut"].pk)
        self.choix = []
        for ligne in comparaison["differences"]:
            cle = ligne["choix"].cle
            self.fields[cle] = forms.TypedChoiceField(
                label=ligne["choix"].libelle,
                coerce=int,
                widget=Radios,
                choices=[(a.pk, ligne["a"]), (b.pk, ligne["b"])],
                error_messages={"required": CHOISIR, "invalid_choice": CHOISIR},
            )
            self.initial.setdefault(cle, ligne["defaut"].pk)
            self.choix.append(self[cle])
        self.order_fields(["jeton", "conservee", *[c.name for c in self.choix], "confirmation"])

    def valeurs(self, conservee) -> dict[str, str]:
        """Les choix pour le service : « conservee » ou « absorbee » selon la fiche choisie."""
        return {
            c.name: fusion.CONSERVEE
            if self.cleaned_data[c.name] == conservee.pk
            else fusion.ABSORBEE
            for c in self.choix
        }


def _fiche(h) -> str:
    return f"Fiche n° {h.pk} : {h}, créée le {h.cree_le:%d/%m/%Y}"


def _ordre(h):
    return (h.cree_le, h.pk)


def comparer(a: Habitant, b: Habitant) -> dict:
    """Les deux fiches côte à côte : valeurs qui diffèrent (avec la valeur proposée),
    valeurs identiques, lignes liées à chacune, foyer actuel, conflit de foyers.

    Fiche conservée proposée : la plus ancienne ; valeur proposée pour chaque choix : celle
    de la fiche conservée, sauf quand elle est vide et que l'autre en a une
    (`fusion.choix_par_defaut`)."""
    sante = {s.habitant_id: s for s in SituationSante.objects.filter(habitant__in=[a, b])}
    conservee, absorbee = sorted([a, b], key=_ordre)
    defaut = fusion.choix_par_defaut(conservee, absorbee)
    differences, identiques = [], []
    for choix in fusion.CHOIX:
        va = fusion.valeurs_de(a, choix, sante.get(a.pk))
        vb = fusion.valeurs_de(b, choix, sante.get(b.pk))
        ligne = {
            "choix": choix,
            "a": fusion.lisible(a, choix, sante.get(a.pk)),
            "b": fusion.lisible(b, choix, sante.get(b.pk)),
        }
        if va == vb:
            identiques.append(ligne)
        else:
            ligne["defaut"] = absorbee if defaut[choix.cle] == fusion.ABSORBEE else conservee
            differences.append(ligne)
    lignes_a, lignes_b = fusion.lignes_liees(a), fusion.lignes_liees(b)
    return {
        "a": a,
        "b": b,
        "fiches": [a, b],
        "conservee_par_defaut": conservee,
        "differences": differences,
        "identiques": identiques,
        "lignes": [
            {"lien": lien, "a": lignes_a[lien.nature], "b": lignes_b[lien.nature]}
            for lien in fusion.LIENS
        ],
        "conflit": fusion.conflit_de_foyers(a, b),
    }


def _visibles(request):
    return selectors.avec_foyer_actuel(Habitant.objects.visibles_par(request.user))


def _deja_fusionnee(request, pk, autre_pk):
    """Si l'une des deux fiches a déjà été réunie dans l'autre (formulaire renvoyé, double
    clic), la fiche conservée ; sinon None."""
    for garde, partie in ((pk, autre_pk), (autre_pk, pk)):
        if (
            EntreeJournal.objects.filter(
                objet_type="habitants.habitant",
                objet_id=str(garde),
                details__fusion__absorbee=partie,
            ).exists()
            and Habitant.objects.visibles_par(request.user).filter(pk=garde).exists()
        ):
            return garde
    return None


@require_GET
@permission_requise(perms.peut_accompagner)
def choisir(request, pk):
    """Étape 1 : la seconde fiche, parmi les fiches qui ressemblent à celle-ci ou trouvée par
    une recherche parmi les personnes des sites de l'agent."""
    habitant = get_object_or_404(_visibles(request), pk=pk)
    recherche = RecherchePersonneForm(request.GET)
    texte = recherche.cleaned_data["personne"].strip() if recherche.is_valid() else ""
    resultats = []
    if texte:
        resultats = list(
            selectors.rechercher_habitants(
                request.user, selectors.CriteresRecherche(texte=texte)
            ).exclude(pk=habitant.pk)[:RESULTATS_MAX]
        )
    semblables = selectors.autres_fiches_semblables(request.user, habitant)
    return render(
        request,
        "habitants/fusion_choisir.html",
        {
            "habitant": habitant,
            "recherche": recherche,
            "texte": texte,
            "resultats": resultats,
            "semblables": semblables,
        },
    )


@require_http_methods(["GET", "POST"])
@permission_requise(perms.peut_accompagner)
def comparer_et_fusionner(request, pk, autre_pk):
    """Étape 2 : les deux fiches côte à côte, les valeurs gardées, la confirmation."""
    # Deux lectures par identifiant (`pk=` : un identifiant démesuré ne trouve rien, sans
    # erreur de la base).
    fiches = {p: h for p in (pk, autre_pk) if (h := _visibles(request).filter(pk=p).first())}
    if pk == autre_pk or len(fiches) != 2:
        garde = None if pk == autre_pk else _deja_fusionnee(request, pk, autre_pk)
        if garde is None:
            raise Http404("Fiche introuvable parmi celles de vos sites.")
        messages.info(
            request, f"Ces deux fiches ont déjà été fusionnées : voici la fiche n° {garde}."
        )
        return redirect("habitants:fiche", pk=garde)
    a, b = fiches[pk], fiches[autre_pk]
    comparaison = comparer(a, b)
    action = reverse("habitants:fusion", args=[pk, autre_pk])
    if request.method == "GET":
        for h in (a, b):
            journaliser(
                agent=request.user,
                action=ActionJournal.CONSULTATION,
                objet=h,
                details={"fusion": "comparaison"},
                request=request,
            )
        form = FusionForm(comparaison=comparaison, action=action)
        return _page(request, comparaison, form)

    form = FusionForm(request.POST, comparaison=comparaison, action=action)
    resultat = {}

    def ecrire(d):
        conservee = a if d["conservee"] == a.pk else b
        absorbee = b if conservee is a else a
        resultat["conservee"], resultat["absorbee"] = conservee, absorbee.pk
        resultat["lignes"] = fusion.fusionner_habitants(
            agent=request.user,
            conservee=conservee,
            absorbee=absorbee,
            valeurs=form.valeurs(conservee),
        )

    message = ecrire_une_fois(form, agent=request.user, ecrire=ecrire, succes="fusion")
    if message == DEJA_ENREGISTRE:
        messages.success(request, message)
        return redirect("habitants:fiche", pk=form.cleaned_data["conservee"])
    if message is None:
        return _page(request, comparaison, form, status=422)
    lignes = resultat["lignes"]
    deplacees = [
        compte(lignes[lien.nature], lien.un, lien.plusieurs)
        for lien in fusion.LIENS
        if lignes[lien.nature]
    ]
    messages.success(
        request,
        f"Les deux fiches sont réunies : la fiche n° {resultat['absorbee']} est supprimée"
        + (f" ; rejoignent cette fiche : {', '.join(deplacees)}." if deplacees else "."),
    )
    return redirect("habitants:fiche", pk=resultat["conservee"].pk)


def _page(request, comparaison, form, status=200):
    return render(
        request,
        "habitants/fusion.html",
        {**comparaison, "form": form},
        status=status,
    )
