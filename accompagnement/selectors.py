from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accompagnement.enums import StatutAccompagnement, StatutAction
from accompagnement.models import (
    Accompagnement,
    Action,
    ActionCollective,
    ChangementStatut,
    Intervention,
    Orientation,
    Seance,
)
from accompagnement.services import types_intervention
from ccas_portal import perms
from ccas_portal.dates import debut_du_jour
from ccas_portal.enums import Role
from ccas_portal.formats import date_courte, euros
from ccas_portal.lookups import Identifiants
from ccas_portal.models import Agent, EntreeJournal
from droits.axes import AXES
from habitants.acces import agent_a_acces_au_foyer, demandes_du_foyer, partages_en_cours
from habitants.models import MembreFoyer, Passage
from habitants.services import CLE_FAIT

EN_COURS = [StatutAction.A_FAIRE, StatutAction.EN_COURS, StatutAction.EN_ATTENTE]


def portefeuille(agent) -> QuerySet[Accompagnement]:
    """Les accompagnements de l'agent, avec prochaine échéance et dernière intervention.

    Deux sous-requêtes corrélées (index sur l'accompagnement) plutôt que des jointures : joindre
    à la fois interventions et actions multiplierait les lignes (produit des deux)."""
    derniere = (
        Intervention.objects.filter(accompagnement=OuterRef("pk"))
        .order_by("-date")
        .values("date")[:1]
    )
    prochaine = (
        Action.objects.filter(
            objectif__accompagnement=OuterRef("pk"),
            statut__in=EN_COURS,
            echeance__isnull=False,
        )
        .order_by("echeance")
        .values("echeance")[:1]
    )
    return (
        Accompagnement.objects.visibles_par(agent)
        .select_related("foyer__site", "axe", "referent")
        .annotate(
            derniere_intervention=Subquery(derniere),
            prochaine_echeance=Subquery(prochaine),
        )
        .prefetch_related(
            Prefetch(
                "foyer__membres",
                queryset=MembreFoyer.objects.filter(
                    date_fin__isnull=True, role="demandeur"
                ).select_related("habitant"),
                to_attr="demandeurs",
            )
        )
    )


def faits_lisibles(accompagnement) -> list[tuple[str, str]]:
    """Les faits saisis de l'accompagnement, dans l'ordre de leur déclaration par l'axe."""
    return [
        (f.libelle, f.afficher(accompagnement.faits[f.code]))
        for f in AXES[accompagnement.axe_id].faits
        if f.code in accompagnement.faits
    ]


# --- Le dossier du foyer : une seule chronologie ------------------------------------------


@dataclass
class Evenement:
    """Une entrée de la chronologie du dossier, déjà filtrée selon les droits du lecteur."""

    moment: datetime
    genre: str  # passage, accompagnement, statut, intervention, orientation
    titre: str
    texte: str = ""
    auteur: str = ""
    #: Pourquoi le contenu n'est pas montré (note confidentielle, accompagnement d'un collègue).
    reserve: str = ""
    accompagnement: Accompagnement | None = None
    details: list[str] = field(default_factory=list)

    @property
    def rang(self) -> int:
        """Dans une même journée : l'ouverture d'abord, puis le reste (ordre chronologique)."""
        return RANGS.get(self.genre, 9)


RANGS = {
    "accompagnement": 0,
    "intervention": 1,
    "orientation": 2,
    "statut": 3,
    "prestation": 4,
    "signalement": 5,
    "passage": 6,
    "fait": 7,
}


RESERVE_INTERVENANTS = "Contenu réservé aux intervenants de cet accompagnement."
RESERVE_CONFIDENTIEL = "Note confidentielle : lisible par son auteur et le référent seulement."


def accompagnements_du_foyer(foyer) -> QuerySet[Accompagnement]:
    return (
        Accompagnement.objects.filter(foyer=foyer)
        .select_related("axe", "referent")
        .order_by("-date_ouverture", "-id")
    )


def ids_intervenant(agent, foyer) -> set[int]:
    """Les accompagnements du foyer où l'agent est référent ou co-intervenant (une requête)."""
    return set(
        Accompagnement.objects.visibles_par(agent).filter(foyer=foyer).values_list("pk", flat=True)
    )


def passages_du_foyer(foyer) -> QuerySet[Passage]:
    """Les passages des membres du foyer pendant qu'ils en étaient membres."""
    return (
        Passage.objects.filter(
            Q(habitant__appartenances__date_fin__isnull=True)
            | Q(date_heure__date__lte=F("habitant__appartenances__date_fin")),
            habitant__appartenances__foyer=foyer,
            date_heure__date__gte=F("habitant__appartenances__date_debut"),
        )
        .select_related("site", "habitant", "partenaire")
        .prefetch_related("motifs")
        .distinct()
    )


def chronologie(
    agent, foyer, accompagnements, intervenant: set[int], prestations=(), signalements=()
) -> list[Evenement]:
    """Tout ce qui concerne le foyer, du plus récent au plus ancien, en un nombre constant de
    requêtes (une par sorte d'entrée), chaque contenu montré selon les droits de `agent`."""
    par_id = {a.pk: a for a in accompagnements}
    evenements: list[Evenement] = []
    for p in passages_du_foyer(foyer):
        motifs = " ; ".join(m.libelle for m in p.motifs.all())
        evenements.append(
            Evenement(
                moment=p.date_heure,
                genre="passage",
                titre=f"Passage à l'accueil — {p.site} ({p.get_mode_display().lower()})",
                texte=p.note,
                details=[
                    f"Personne : {p.habitant}",
                    f"Motifs : {motifs}",
                    p.get_reponse_display() + (f" : {p.partenaire}" if p.partenaire else ""),
                ],
            )
        )
    for c in (
        ChangementStatut.objects.filter(accompagnement__foyer=foyer)
        .select_related("agent")
        .order_by()
    ):
        a = par_id[c.accompagnement_id]
        if not c.ancien:
            titre = f"Ouverture de l'accompagnement « {a.axe.libelle_court} »"
        else:
            titre = (
                f"Accompagnement « {a.axe.libelle_court} » : "
                f"{c.get_ancien_display().lower()} → {c.get_nouveau_display().lower()}"
            )
        evenements.append(
            Evenement(
                moment=debut_du_jour(c.date),
                genre="accompagnement" if not c.ancien else "statut",
                titre=titre,
                texte=c.commentaire if c.accompagnement_id in intervenant else "",
                auteur=str(c.agent),
                accompagnement=a,
            )
        )
    interventions = (
        Intervention.objects.filter(accompagnement__foyer=foyer).select_related("auteur").order_by()
    )
    types = {}
    for i in interventions:
        i.accompagnement = par_id[i.accompagnement_id]
        if i.accompagnement.axe_id not in types:
            types[i.accompagnement.axe_id] = types_intervention(i.accompagnement.axe_id)
        lisible = perms.peut_lire_intervention(
            agent, i, intervenant=i.accompagnement_id in intervenant
        )
        reserve = ""
        if not lisible:
            reserve = RESERVE_CONFIDENTIEL if i.confidentiel else RESERVE_INTERVENANTS
        details = []
        if lisible:
            if i.duree_minutes:
                details.append(f"Durée : {i.duree_minutes} min")
            if i.lieu:
                details.append(f"Lieu : {i.lieu}")
        evenements.append(
            Evenement(
                moment=debut_du_jour(i.date),
                genre="intervention",
                titre=(
                    f"{types[i.accompagnement.axe_id].get(i.type, i.type)} — "
                    f"{i.accompagnement.axe.libelle_court}"
                ),
                texte=i.compte_rendu if lisible else "",
                auteur=str(i.auteur),
                reserve=reserve,
                accompagnement=i.accompagnement,
                details=details,
            )
        )
    for o in (
        Orientation.objects.filter(accompagnement__foyer=foyer)
        .select_related("partenaire", "auteur")
        .order_by()
    ):
        a = par_id[o.accompagnement_id]
        lisible = o.accompagnement_id in intervenant
        evenements.append(
            Evenement(
                moment=debut_du_jour(o.date),
                genre="orientation",
                titre=f"Orientation vers {o.partenaire} — {a.axe.libelle_court}",
                texte=(f"{o.motif}" + (f" — {o.resultat}" if o.resultat else ""))
                if lisible
                else "",
                auteur=str(o.auteur),
                reserve="" if lisible else RESERVE_INTERVENANTS,
                accompagnement=a,
                details=[f"Statut : {o.get_statut_display()}"] if lisible else [],
            )
        )
    for p in prestations:
        jour = p.date_demande or p.date_debut
        evenements.append(
            Evenement(
                moment=debut_du_jour(jour) if jour else p.cree_le,
                genre="prestation",
                titre=f"Prestation « {p.prestation} » : {p.get_statut_display().lower()}",
                details=[
                    d
                    for d in (
                        f"Montant : {euros(p.montant_mensuel)} par mois"
                        if p.montant_mensuel
                        else "",
                        f"Source : {p.get_source_display().lower()}",
                    )
                    if d
                ],
                auteur=str(p.saisi_par),
            )
        )
    for s in signalements:
        evenements.append(
            Evenement(
                moment=s.cree_le,
                genre="signalement",
                titre=(f"Droit probable repéré : {s.prestation} ({s.get_etat_display().lower()})"),
                details=[f"Estimation : {s.apport()}"],
            )
        )
        for c in s.changements.all():
            if c.agent_id:  # les changements faits par un agent (la création est ci-dessus)
                evenements.append(
                    Evenement(
                        moment=c.le,
                        genre="signalement",
                        titre=f"Signalement « {s.prestation} » : {c.get_nouveau_display().lower()}",
                        texte=" — ".join(
                            t
                            for t in (
                                "la personne est venue d'elle-même" if c.venue_d_elle_meme else "",
                                c.commentaire,
                            )
                            if t
                        ),
                        auteur=str(c.agent),
                    )
                )
    evenements.extend(changements_de_faits(foyer))
    evenements.sort(key=lambda e: (e.moment, e.rang), reverse=True)
    return evenements


def changements_de_faits(foyer) -> list[Evenement]:
    """Les changements du dossier social (adresse, logement, composition, identité, situation,
    ressources, santé), relus du journal : « modifié le … par … » et la valeur d'avant. Une
    requête."""
    evenements = []
    for e in EntreeJournal.objects.filter(
        objet_type="habitants.foyer",
        objet_id=str(foyer.pk),
        action__in=["creation", "modification"],
        details__has_key=CLE_FAIT,
    ).order_by():
        avant, apres = e.details.get("avant") or {}, e.details.get("apres") or {}
        verbe = "modifié" if e.action == "modification" else "saisi"
        moment = timezone.localtime(e.horodatage)
        details = [
            f"{champ} : {apres.get(champ, '—')} (avant : {avant[champ]})"
            if champ in avant
            else f"{champ} : {apres.get(champ, '—')}"
            for champ in apres
        ]
        evenements.append(
            Evenement(
                moment=e.horodatage,
                genre="fait",
                titre=(
                    f"{e.details[CLE_FAIT]} — {verbe} le {date_courte(moment)} "
                    f"à {moment:%H:%M} par {e.agent_libelle}"
                ),
                details=details,
            )
        )
    return evenements


def partages_du_foyer(foyer) -> dict:
    """L'état des partages du foyer et l'historique de ses demandes (une requête)."""
    demandes = list(demandes_du_foyer(foyer))
    return {
        "demandes_partage": demandes,
        "partages_en_cours": [d for d in demandes if d.partage_en_cours],
        "demandes_en_attente": [d for d in demandes if d.en_attente],
    }


def detail_accompagnement(agent, accompagnement) -> dict:
    """Les lectures de la page d'un accompagnement (l'agent en est intervenant : la vue l'a
    lu par `visibles_par`) : co-intervenants, personnes, statuts, faits, plan d'action,
    interventions (chacune avec `lisible`, selon `perms.peut_lire_intervention`, et le libellé
    de son type), orientations."""
    a = accompagnement
    interventions = list(a.interventions.select_related("auteur").prefetch_related("participants"))
    types = types_intervention(a.axe_id)
    for i in interventions:
        i.accompagnement = a
        i.lisible = perms.peut_lire_intervention(agent, i, intervenant=True)
        i.libelle_type = types.get(i.type, i.type)
    return {
        "co_intervenants": list(a.co_intervenants.all()),
        "membres": list(a.membres.all()),
        "changements": list(a.changements.select_related("agent")),
        "faits": faits_lisibles(a),
        "objectifs": list(a.objectifs.prefetch_related("actions")),
        "interventions": interventions,
        "orientations": list(a.orientations.select_related("partenaire", "auteur")),
    }


# --- Actions collectives ------------------------------------------------------------------


def avec_participation(qs: QuerySet[ActionCollective]) -> QuerySet[ActionCollective]:
    """Séances, présences (inscrits + non inscrits) et personnes distinctes, en sous-requêtes
    (deux jointures multiples fausseraient les sommes)."""
    seances = Seance.objects.filter(action=OuterRef("pk")).order_by().values("action")
    presences = (
        Seance.participants.through.objects.filter(seance__action=OuterRef("pk"))
        .order_by()
        .values("seance__action")
    )
    return qs.annotate(
        nb_seances=Coalesce(Subquery(seances.annotate(n=Count("pk")).values("n")), 0),
        derniere_seance=Subquery(seances.annotate(d=Max("date")).values("d")),
        anonymes=Coalesce(
            Subquery(seances.annotate(s=Sum("participants_anonymes")).values("s")), 0
        ),
        presences_inscrites=Coalesce(Subquery(presences.annotate(n=Count("pk")).values("n")), 0),
        personnes=Coalesce(
            Subquery(presences.annotate(n=Count("habitant", distinct=True)).values("n")), 0
        ),
    )


def interventions_suspectes(*, minutes: int = 15):
    """Les paires d'interventions que le défaut des cases à cocher a pu produire (avant la
    correction de l'ADR 0011) : même accompagnement, même auteur, la seconde saisie moins de
    `minutes` après la première, et la première sans compte rendu. Lecture seule : à un
    administrateur de vérifier chaque paire avec l'auteur avant toute correction."""
    ecart = timedelta(minutes=minutes)
    suivante = Intervention.objects.filter(
        accompagnement=OuterRef("accompagnement"),
        auteur=OuterRef("auteur"),
        cree_le__gt=OuterRef("cree_le"),
        cree_le__lte=OuterRef("cree_le") + ecart,
    )
    premieres = (
        Intervention.objects.filter(compte_rendu="")
        .filter(Exists(suivante))
        .select_related("auteur")
        .order_by("cree_le", "pk")
    )
    for premiere in premieres:
        seconde = (
            Intervention.objects.filter(
                accompagnement_id=premiere.accompagnement_id,
                auteur_id=premiere.auteur_id,
                cree_le__gt=premiere.cree_le,
                cree_le__lte=premiere.cree_le + ecart,
            )
            .order_by("cree_le", "pk")
            .first()
        )
        yield premiere, seconde


# --- Passation : les accompagnements d'un intervenant qui part ou n'a plus accès ----------


def _non_clos():
    return Accompagnement.objects.exclude(statut=StatutAccompagnement.CLOS)


def accompagnements_a_passer():
    """Les accompagnements non clos dont le référent ou un co-intervenant n'a plus accès au
    foyer (aucun de ses sites actuels n'y a accès, la règle de `habitants.acces`), ou n'est
    plus un travailleur social actif (départ, changement de rôle). Une requête."""
    co = Accompagnement.co_intervenants.through.objects.filter(
        accompagnement_id=OuterRef("pk")
    ).filter(
        ~Q(agent__is_active=True, agent__role=Role.TRAVAILLEUR_SOCIAL)
        | ~Q(
            agent_a_acces_au_foyer(
                "agent_id", "accompagnement__foyer_id", "accompagnement__foyer__site_id"
            )
        )
    )
    return _non_clos().filter(
        ~Q(referent__is_active=True, referent__role=Role.TRAVAILLEUR_SOCIAL)
        | ~Q(agent_a_acces_au_foyer("referent_id", "foyer_id", "foyer__site_id"))
        | Q(Exists(co))
    )


def accompagnements_de(intervenant):
    """Les accompagnements non clos où `intervenant` est référent ou co-intervenant, avec ce
    que l'écran de passation montre (foyer et son site, axe, intervenants)."""
    co = Accompagnement.co_intervenants.through.objects.filter(agent_id=intervenant.pk)
    return (
        _non_clos()
        .filter(Q(referent_id=intervenant.pk) | Q(pk__in=co.values("accompagnement_id")))
        .select_related("foyer__site", "axe", "referent")
        .prefetch_related("co_intervenants")
        .order_by("foyer__site__nom", "foyer_id", "date_ouverture", "pk")
    )


def intervenants_possibles(foyers) -> dict[int, list]:
    """Pour chaque foyer, les travailleurs sociaux actifs dont un site a accès au foyer
    aujourd'hui (son site et ceux avec qui il est partagé : `habitants.acces`), en trois
    requêtes quel que soit le nombre de foyers."""
    sites = {f.pk: {f.site_id} for f in foyers}
    for foyer_id, site_id in (
        partages_en_cours().filter(foyer_id__in=sites).values_list("foyer_id", "site_demandeur_id")
    ):
        sites[foyer_id].add(site_id)
    tous = set().union(*sites.values()) if sites else set()
    agents = list(
        Agent.objects.filter(role=Role.TRAVAILLEUR_SOCIAL, is_active=True, sites__in=tous)
        .distinct()
        .prefetch_related("sites")
        .order_by("last_name", "first_name", "pk")
    )
    return {
        foyer_id: [a for a in agents if {s.pk for s in a.sites.all()} & ids]
        for foyer_id, ids in sites.items()
    }


def foyers_avec_aide_a_domicile(ids) -> set[int]:
    """Les foyers (parmi `ids`) dont un accompagnement « bien vieillir » note une aide à
    domicile en place ; lu par la détection du non-recours, à qui le réglage
    DETECTION_AIDES_A_DOMICILE donne cette fonction (la détection ne lit pas `accompagnement`,
    ADR 0031). Une requête, quel que soit le nombre de foyers."""
    return set(
        Accompagnement.objects.filter(
            foyer_id__parmi=Identifiants(ids), axe_id="bien_vieillir", faits__aide_domicile=True
        ).values_list("foyer_id", flat=True)
    )
