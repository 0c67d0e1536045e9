"""Le dossier social d'un foyer, tenu à jour depuis son dossier par le travailleur social :
adresse et logement, composition dans le temps, identité, situation, ressources et santé de
chaque personne. Une section que htmx remplace seule (`partials/dossier_social.html`) ; sans
JavaScript, chaque formulaire poste puis revient à la page."""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.forms import ecrire_une_fois
from ccas_portal.validation import entier_borne
from habitants import historique, services
from habitants.enums import RoleMembre
from habitants.forms import (
    CorrectionLoyerForm,
    CorrectionSituationForm,
    FinForm,
    FoyerAUneDateForm,
    IdentiteForm,
    LogementForm,
    LoyerForm,
    MembreExistantForm,
    NouveauMembreForm,
    RecherchePersonneForm,
    RessourceForm,
    SanteForm,
    SituationForm,
)
from habitants.models import (
    Foyer,
    Habitant,
    MembreFoyer,
    PeriodeLoyer,
    Ressource,
    SituationConjugale,
    SituationSante,
)
from habitants.ressources import totaux
from habitants.selectors import CriteresRecherche, rechercher_habitants

SECTION = "dossier-social"
GABARIT = "accompagnement/partials/dossier_social.html"
GABARIT_APRES_ECRITURE = "accompagnement/partials/apres_ecriture_dossier.html"
RESULTATS_MAX = 10


def _url(nom, foyer, *args):
    return reverse(f"accompagnement:{nom}", args=[foyer.pk, *args])


def _initial_logement(foyer):
    champs = (
        "adresse",
        "complement_adresse",
        "code_postal",
        "commune",
        "quartier",
        "statut_occupation",
        "type_bailleur",
    )
    return {c: getattr(foyer, c) for c in champs}


def contexte_dossier_social(request, foyer, lies=None):
    """Les faits du foyer et leurs formulaires (vides, sauf ceux de `lies`, avec erreurs).

    Six requêtes quel que soit le nombre de personnes : appartenances, loyers, situations
    conjugales, ressources, santé, et la recherche d'une personne à ajouter si elle est
    demandée."""
    lies = lies or {}
    agent = request.user
    ecriture = perms.peut_suivre_foyer(agent, foyer)
    aujourd_hui = timezone.localdate()
    rangs = {role: i for i, role in enumerate(RoleMembre.values)}
    membres = sorted(
        MembreFoyer.objects.filter(foyer=foyer).select_related("habitant"),
        key=lambda m: (
            m.date_fin is not None,
            -(m.date_fin or date.min).toordinal(),
            rangs.get(m.role, 9),
            m.habitant.date_naissance or date.min,
            m.pk,
        ),
    )
    actuels = [m for m in membres if m.date_fin is None]
    ids = [m.habitant_id for m in actuels]
    loyers = list(PeriodeLoyer.objects.filter(foyer=foyer).order_by("-date_debut"))
    situations: dict[int, list] = {}
    for s in SituationConjugale.objects.filter(
        habitant_id__in={m.habitant_id for m in membres}
    ).order_by("-date_debut"):
        situations.setdefault(s.habitant_id, []).append(s)
    ressources: dict[int, list] = {}
    for r in Ressource.objects.filter(habitant_id__in=ids).order_by("-date_debut", "pk"):
        ressources.setdefault(r.habitant_id, []).append(r)
    sante = {s.habitant_id: s for s in SituationSante.objects.filter(habitant_id__in=ids)}

    def form(cle, classe, *, action, cible, **kwargs):
        """Le formulaire vide, ou celui revenu avec ses erreurs : l'un comme l'autre poste
        vers sa vue et sa section (sans quoi il posterait vers la page, qui répond 405)."""
        f = lies.get(cle) or classe(**kwargs)
        f.action, f.cible = action, cible
        return f

    for m in membres:
        h = m.habitant
        m.actuel = m.date_fin is None
        if not (m.actuel and ecriture):
            continue
        m.form_fin = form(
            ("fin_membre", m.pk),
            FinForm,
            ident=f"fin-membre-{m.pk}",
            action=_url("terminer_appartenance", foyer, m.pk),
            cible=SECTION,
        )
    for m in actuels:
        h = m.habitant
        m.ressources = ressources.get(h.pk, [])
        m.sante = sante.get(h.pk)
        m.totaux = totaux(m.ressources, aujourd_hui)
        m.situations = historique.fins_implicites(situations.get(h.pk, []))
        m.situation_conjugale = historique.en_vigueur(m.situations, aujourd_hui)
        if not ecriture:
            continue
        for s in m.situations:
            s.form_correction = form(
                ("correction_situation", s.pk),
                CorrectionSituationForm,
                ident=f"correction-situation-{s.pk}",
                initial={"statut": s.statut, "date_debut": s.date_debut},
                action=_url("corriger_situation_conjugale", foyer, s.pk),
                cible=SECTION,
            )
        m.form_identite = form(
            ("identite", h.pk),
            IdentiteForm,
            ident=f"identite-{h.pk}",
            initial={c: getattr(h, c) for c in services.CHAMPS_IDENTITE},
            action=_url("rectifier_identite", foyer, h.pk),
            cible=SECTION,
        )
        m.form_situation = form(
            ("situation", h.pk),
            SituationForm,
            ident=f"situation-{h.pk}",
            initial={c: getattr(h, c) for c in services.CHAMPS_SITUATION},
            action=_url("situation_personnelle", foyer, h.pk),
            cible=SECTION,
        )
        s = m.sante
        m.form_sante = form(
            ("sante", h.pk),
            SanteForm,
            ident=f"sante-{h.pk}",
            initial={c: getattr(s, c) for c in services.CHAMPS_SANTE} if s else {},
            action=_url("sante", foyer, h.pk),
            cible=SECTION,
        )
        m.form_ressource = form(
            ("ressource", h.pk),
            RessourceForm,
            ident=f"ressource-{h.pk}",
            initial={"date_debut": aujourd_hui.replace(day=1)},
            action=_url("ajouter_ressource", foyer, h.pk),
            cible=SECTION,
        )
        for r in m.ressources:
            r.form_correction = form(
                ("correction", r.pk),
                RessourceForm,
                ident=f"correction-{r.pk}",
                initial={c: getattr(r, c) for c in services.CHAMPS_RESSOURCE},
                action=_url("corriger_ressource", foyer, r.pk),
                cible=SECTION,
            )
            r.form_correction.helper.inputs[0].value = "Corriger la ressource"
            if r.date_fin is None:
                r.form_fin = form(
                    ("fin_ressource", r.pk),
                    FinForm,
                    ident=f"fin-ressource-{r.pk}",
                    action=_url("terminer_ressource", foyer, r.pk),
                    cible=SECTION,
                )
    if ecriture:
        for p in loyers:
            p.form_correction = form(
                ("correction_loyer", p.pk),
                CorrectionLoyerForm,
                ident=f"correction-loyer-{p.pk}",
                initial={c: getattr(p, c) for c in historique.CHAMPS_LOYER},
                action=_url("corriger_loyer", foyer, p.pk),
                cible=SECTION,
            )
    contexte = {
        "foyer": foyer,
        "ecriture": ecriture,
        "loyers": loyers,
        "loyer_actuel": historique.en_vigueur(loyers, aujourd_hui),
        **_a_une_date(request, membres, ressources, loyers, situations),
        "membres_dossier": membres,
        "actuels": actuels,
        "total_trois_mois": sum((m.totaux.trois_mois for m in actuels), 0),
        "total_douze_mois": sum((m.totaux.douze_mois for m in actuels), 0),
    }
    if not ecriture:
        return contexte

    form_recherche = RecherchePersonneForm(
        {"personne": request.GET.get("personne") or request.POST.get("personne") or ""}
    )
    recherche = form_recherche.cleaned_data["personne"].strip() if form_recherche.is_valid() else ""
    contexte["erreur_personne"] = " ".join(form_recherche.errors.get("personne", []))
    resultats = []
    if recherche:
        resultats = list(
            rechercher_habitants(agent, CriteresRecherche(texte=recherche)).exclude(pk__in=ids)[
                :RESULTATS_MAX
            ]
        )
    choisi = lies.get("membre_existant")
    if choisi is not None:
        # Garder la personne choisie parmi les choix affichés, même sans nouvelle recherche.
        pk = entier_borne(choisi.data.get("habitant"))
        if pk and not any(h.pk == pk for h in resultats):
            resultats += list(Habitant.objects.visibles_par(agent).filter(pk=pk))
        choisi.fields["habitant"].queryset = Habitant.objects.filter(
            pk__in=[h.pk for h in resultats]
        )
    contexte.update(
        {
            "recherche_personne": recherche,
            "resultats_personne": resultats,
            "form_logement": form(
                "logement",
                LogementForm,
                initial=_initial_logement(foyer),
                action=_url("modifier_logement", foyer),
                cible=SECTION,
            ),
            "form_loyer": form(
                "loyer",
                LoyerForm,
                initial={"date_debut": aujourd_hui.replace(day=1)},
                action=_url("enregistrer_loyer", foyer),
                cible=SECTION,
            ),
            "form_membre_existant": choisi
            or MembreExistantForm(
                habitants=Habitant.objects.filter(pk__in=[h.pk for h in resultats]),
                initial={"date_debut": aujourd_hui},
                action=_url("ajouter_membre_existant", foyer),
                cible=SECTION,
            ),
            "form_nouveau_membre": form(
                "nouveau_membre",
                NouveauMembreForm,
                initial={"date_debut": aujourd_hui},
                action=_url("ajouter_nouveau_membre", foyer),
                cible=SECTION,
            ),
        }
    )
    return contexte


def _a_une_date(request, membres, ressources, loyers, situations) -> dict:
    """Le foyer tel qu'il était à une date passée (`?au=aaaa-mm-jj`) : ses membres d'alors,
    leur situation conjugale et leurs ressources ce jour-là, le loyer en vigueur (une requête
    de plus pour les ressources des anciens membres)."""
    form = FoyerAUneDateForm(request.GET)
    au = form.cleaned_data.get("au") if form.is_valid() else None
    if au is None:
        return {
            "au": None,
            "au_saisi": request.GET.get("au", "")[:10],
            "erreur_au": " ".join(form.errors.get("au", [])),
        }
    alors = [m for m in membres if m.date_debut <= au and (m.date_fin is None or m.date_fin >= au)]
    manquants = [m.habitant_id for m in alors if m.habitant_id not in ressources]
    for r in Ressource.objects.filter(habitant_id__in=manquants).order_by("-date_debut", "pk"):
        ressources.setdefault(r.habitant_id, []).append(r)
    for m in alors:
        m.ressources_alors = [
            r
            for r in ressources.get(m.habitant_id, [])
            if r.date_debut <= au and (r.date_fin is None or r.date_fin >= au)
        ]
        m.situation_alors = historique.en_vigueur(situations.get(m.habitant_id, []), au)
    return {
        "au": au,
        "loyer_alors": historique.en_vigueur(loyers, au),
        "au_saisi": request.GET.get("au", "")[:10],
        "membres_alors": alors,
        "total_alors": sum(
            (r.montant_mensuel for m in alors for r in m.ressources_alors), Decimal("0")
        ),
    }


def _foyer_modifiable(request, pk):
    """Le foyer d'un site de l'agent (les écritures), sinon 404."""
    return get_object_or_404(Foyer.objects.visibles_par(request.user).select_related("site"), pk=pk)


def _message_doublon(agent, doublon) -> str:
    """Les personnes semblables des sites de l'agent, nommées ; d'un autre site, seulement
    comptées (rien de plus n'en est dit ici)."""
    visibles = [c for c in doublon.candidats if perms.peut_voir_habitant(agent, c)]
    noms = " ; ".join(
        f"{c} ({c.date_naissance:%d/%m/%Y})" if c.date_naissance else str(c) for c in visibles
    )
    ailleurs = len(doublon.candidats) - len(visibles)
    message = f"{doublon} "
    if noms:
        message += f"Vérifiez qu'il ne s'agit pas de : {noms}. "
    if ailleurs:
        message += "Une personne semblable est connue d'un autre site. "
    return message + "Sinon, cochez la case de confirmation."


def _ecrire(request, foyer, *, form, cle, ecrire, succes):
    """Valider, écrire une seule fois, répondre : la section à jour pour htmx (200, même avec
    des erreurs), sinon redirection vers le dossier (ou le dossier et ses erreurs en 422)."""
    try:
        message = ecrire_une_fois(form, agent=request.user, ecrire=ecrire, succes=succes)
    except services.DoublonProbable as doublon:
        form.add_error(None, _message_doublon(request.user, doublon))
        message = None
    if message:
        foyer.refresh_from_db()
        if request.htmx:
            from accompagnement.views import chronologie_du_foyer  # noqa: PLC0415 (cycle : la page du dossier importe cette section)

            contexte = contexte_dossier_social(request, foyer)
            contexte["message_succes"] = message
            # La chronologie suit, hors bande : le changement y apparaît aussitôt.
            contexte["chronologie"] = chronologie_du_foyer(request, foyer)
            contexte["hors_bande"] = True
            return render(request, GABARIT_APRES_ECRITURE, contexte)
        messages.success(request, message)
        return redirect(reverse("accompagnement:dossier", args=[foyer.pk]) + f"#{SECTION}")
    foyer.refresh_from_db()
    if request.htmx:
        return render(request, GABARIT, contexte_dossier_social(request, foyer, {cle: form}))
    from accompagnement.views import contexte_dossier  # noqa: PLC0415 (cycle : la page du dossier importe cette section)

    return render(
        request,
        "accompagnement/dossier.html",
        contexte_dossier(request, foyer, lies={cle: form}),
        status=422,
    )


def _ecriture(fonction):
    return require_POST(permission_requise(perms.peut_accompagner)(fonction))


def _membre_actuel(foyer, habitant_pk):
    return get_object_or_404(
        Habitant,
        pk=habitant_pk,
        appartenances__foyer=foyer,
        appartenances__date_fin__isnull=True,
    )


@_ecriture
def modifier_logement(request, pk):
    foyer = _foyer_modifiable(request, pk)
    form = LogementForm(request.POST, action=_url("modifier_logement", foyer), cible=SECTION)

    def ecrire(d):
        champs = form.adresse_pour_service | {c: d[c] for c in services.CHAMPS_LOGEMENT if c in d}
        return services.modifier_logement(agent=request.user, foyer=foyer, **champs)

    return _ecrire(
        request, foyer, form=form, cle="logement", ecrire=ecrire, succes="Logement enregistré."
    )


@_ecriture
def enregistrer_loyer(request, pk):
    foyer = _foyer_modifiable(request, pk)
    form = LoyerForm(request.POST, action=_url("enregistrer_loyer", foyer), cible=SECTION)
    return _ecrire(
        request,
        foyer,
        form=form,
        cle="loyer",
        ecrire=lambda d: historique.enregistrer_loyer(
            agent=request.user, foyer=foyer, **form.donnees
        ),
        succes="Nouveau loyer enregistré.",
    )


@_ecriture
def corriger_loyer(request, pk, periode_pk):
    foyer = _foyer_modifiable(request, pk)
    periode = get_object_or_404(
        PeriodeLoyer.objects.select_related("foyer__site"), pk=periode_pk, foyer=foyer
    )
    form = CorrectionLoyerForm(request.POST, ident=f"correction-loyer-{periode.pk}")
    return _ecrire(
        request,
        foyer,
        form=form,
        cle=("correction_loyer", periode.pk),
        ecrire=lambda d: historique.corriger_loyer(
            agent=request.user, periode=periode, **form.donnees
        ),
        succes="Loyer corrigé.",
    )


@_ecriture
def corriger_situation_conjugale(request, pk, situation_pk):
    foyer = _foyer_modifiable(request, pk)
    situation = get_object_or_404(
        SituationConjugale.objects.select_related("habitant__site"),
        pk=situation_pk,
        habitant__appartenances__foyer=foyer,
        habitant__appartenances__date_fin__isnull=True,
    )
    form = CorrectionSituationForm(request.POST, ident=f"correction-situation-{situation.pk}")
    return _ecrire(
        request,
        foyer,
        form=form,
        cle=("correction_situation", situation.pk),
        ecrire=lambda d: historique.corriger_situation_conjugale(
            agent=request.user, situation=situation, **form.donnees
        ),
        succes="Situation conjugale corrigée.",
    )


@_ecriture
def ajouter_membre_existant(request, pk):
    foyer = _foyer_modifiable(request, pk)
    form = MembreExistantForm(
        request.POST,
        habitants=Habitant.objects.visibles_par(request.user),
        action=_url("ajouter_membre_existant", foyer),
        cible=SECTION,
    )
    return _ecrire(
        request,
        foyer,
        form=form,
        cle="membre_existant",
        ecrire=lambda d: services.rattacher_au_foyer(
            agent=request.user,
            habitant=d["habitant"],
            foyer=foyer,
            role=d["role"],
            date_debut=d["date_debut"],
        ),
        succes="Personne ajoutée au foyer.",
    )


@_ecriture
def ajouter_nouveau_membre(request, pk):
    foyer = _foyer_modifiable(request, pk)
    form = NouveauMembreForm(
        request.POST, action=_url("ajouter_nouveau_membre", foyer), cible=SECTION
    )
    return _ecrire(
        request,
        foyer,
        form=form,
        cle="nouveau_membre",
        ecrire=lambda d: services.inscrire_dans_le_foyer(
            agent=request.user,
            foyer=foyer,
            nom_usage=d["nom_usage"],
            prenoms=d["prenoms"],
            date_naissance=d["date_naissance"],
            sexe=d["sexe"],
            role=d["role"],
            date_debut=d["date_debut"],
            confirmer_nouveau=d["confirmer_nouveau"],
        ),
        succes="Personne inscrite et ajoutée au foyer.",
    )


@_ecriture
def terminer_appartenance(request, pk, membre_pk):
    foyer = _foyer_modifiable(request, pk)
    membre = get_object_or_404(
        MembreFoyer.objects.select_related("habitant", "foyer__site"), pk=membre_pk, foyer=foyer
    )
    form = FinForm(request.POST, ident=f"fin-membre-{membre.pk}")
    return _ecrire(
        request,
        foyer,
        form=form,
        cle=("fin_membre", membre.pk),
        ecrire=lambda d: services.terminer_appartenance(
            agent=request.user, membre=membre, date_fin=d["date_fin"]
        ),
        succes=f"Départ {services.de(membre.habitant)} enregistré.",
    )


def _ecriture_personne(classe_form, prefixe: str, service, succes: str):
    """Vue d'écriture sur un membre actuel du foyer : formulaire `classe_form` (id HTML
    « prefixe-<personne> »), service appelé avec l'agent, la personne et les valeurs."""

    @_ecriture
    def vue(request, pk, habitant_pk):
        foyer = _foyer_modifiable(request, pk)
        habitant = _membre_actuel(foyer, habitant_pk)
        form = classe_form(request.POST, ident=f"{prefixe}-{habitant.pk}")
        return _ecrire(
            request,
            foyer,
            form=form,
            cle=(prefixe, habitant.pk),
            ecrire=lambda d: service(agent=request.user, habitant=habitant, **form.donnees),
            succes=succes,
        )

    return vue


rectifier_identite = _ecriture_personne(
    IdentiteForm, "identite", services.rectifier_identite, "Identité enregistrée."
)
situation_personnelle = _ecriture_personne(
    SituationForm,
    "situation",
    services.modifier_situation_personnelle,
    "Situation enregistrée.",
)
sante = _ecriture_personne(SanteForm, "sante", services.modifier_sante, "Santé enregistrée.")
ajouter_ressource = _ecriture_personne(
    RessourceForm, "ressource", services.ajouter_ressource, "Ressource ajoutée."
)


def _ressource(foyer, ressource_pk):
    return get_object_or_404(
        Ressource.objects.select_related("habitant__site"),
        pk=ressource_pk,
        habitant__appartenances__foyer=foyer,
        habitant__appartenances__date_fin__isnull=True,
    )


@_ecriture
def corriger_ressource(request, pk, ressource_pk):
    foyer = _foyer_modifiable(request, pk)
    ressource = _ressource(foyer, ressource_pk)
    form = RessourceForm(request.POST, ident=f"correction-{ressource.pk}")
    return _ecrire(
        request,
        foyer,
        form=form,
        cle=("correction", ressource.pk),
        ecrire=lambda d: services.corriger_ressource(
            agent=request.user, ressource=ressource, **form.donnees
        ),
        succes="Ressource corrigée.",
    )


@_ecriture
def terminer_ressource(request, pk, ressource_pk):
    foyer = _foyer_modifiable(request, pk)
    ressource = _ressource(foyer, ressource_pk)
    form = FinForm(request.POST, ident=f"fin-ressource-{ressource.pk}")
    return _ecrire(
        request,
        foyer,
        form=form,
        cle=("fin_ressource", ressource.pk),
        ecrire=lambda d: services.terminer_ressource(
            agent=request.user, ressource=ressource, date_fin=d["date_fin"]
        ),
        succes="Fin de la ressource enregistrée.",
    )
