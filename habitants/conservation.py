"""Durée de conservation et effacement des données d'une personne (RGPD, ADR 0023).

Le référentiel de la CNIL pour l'accompagnement social (délibération 2021-028) et son
référentiel de durées de conservation : les données restent en base active 2 ans après le
dernier contact avec la personne, puis elles sont supprimées ou anonymisées — sauf si quelque
chose tient encore le dossier ouvert (accompagnement en cours, signalement en cours,
prestation demandée ou versée, demande de partage en attente).

- `contacts_depuis(limite)` : les personnes avec un contact depuis cette date (inscription,
  information, réponse au contact, passage, appartenance à un foyer commencée ou finie,
  intervention, activité d'un accompagnement où elle est concernée, participation à une
  séance, prestation, changement d'état d'un signalement ou pièce déposée au dossier de son
  foyer), et les membres
  actuels du foyer d'une personne qui en a eu un (le dossier est celui du foyer) ;
- `tenues_ouvertes()` : les personnes dont le dossier reste ouvert, et pourquoi ;
- `anonymiser_habitant` : efface ce qui identifie la personne et le texte libre qui la
  concerne, garde ce qui sert aux statistiques (voir `EFFACE` et `GARDE`) ;
- `purger` : tout cela ensemble (tâche mensuelle, `manage.py purger_personnes`).

Les lignes comptées par le tableau de bord (passages, interventions, signalements, séances,
prestations, appartenances) restent : seuls leurs textes libres et l'identité de la personne
partent, donc les chiffres déjà calculés ne bougent pas, et un recalcul retrouve les mêmes
nombres (l'âge est gardé en année de naissance).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accompagnement.enums import StatutAccompagnement
from accompagnement.models import (
    Accompagnement,
    Action,
    ChangementStatut,
    Intervention,
    Objectif,
    Orientation,
    Seance,
)
from ccas_portal.enums import ActionJournal
from ccas_portal.formats import accord, compte
from ccas_portal.journal import journaliser
from ccas_portal.periodes import ajouter_mois
from droits.axes import AXES
from droits.documents import supprimer_pieces
from droits.enums import ETATS_OUVERTS, StatutPrestation
from droits.models import ChangementSignalement, Document, Lettre, PrestationFoyer, Signalement
from habitants.enums import EtatConsentement
from habitants.fusion import LIENS, _lignes
from habitants.models import DemandePartage, Foyer, Habitant, MembreFoyer, Passage, PeriodeLoyer
from habitants.models_partage import StatutDemande

#: Ce que l'anonymisation efface (dit à l'admin avant confirmation, et dans la doc).
EFFACE = (
    "identité : noms, prénoms, sexe, jour et mois de naissance",
    "coordonnées : téléphone, courriel, adresse de contact ; adresse du foyer quand toutes "
    "ses personnes sont anonymisées",
    "information sur le traitement et réponse au contact",
    "situation d'activité, situations conjugales, ressources, santé et handicap",
    "pièces jointes du dossier qui la concernent, fichiers compris ; celles du foyer quand "
    "toutes ses personnes sont anonymisées",
    "textes libres : notes de passage, comptes rendus, lieux, plans d'action, motifs "
    "d'orientation, commentaires, faits en texte libre, notes de prestations, explications "
    "des signalements, motifs des demandes de partage",
)
#: Ce qu'elle garde pour les statistiques.
GARDE = (
    "année de naissance (l'âge en tranche), site de rattachement",
    "dates, sites, modes, motifs et réponses des passages",
    "appartenances aux foyers (rôle et dates), commune, quartier et statut d'occupation",
    "accompagnements (axe, dates, statuts), interventions (type, date, durée), orientations "
    "(partenaire, date, statut), présences aux séances",
    "prestations (nature, statut, dates, montants), signalements (prestation, montant estimé, "
    "états et leurs dates)",
)
EFFACE_TEXTE = "(effacé)"


def duree_de_conservation_mois() -> int:
    return settings.CONSERVATION_MOIS_SANS_CONTACT


def limite_de_conservation(aujourd_hui: date | None = None) -> date:
    """Le premier jour encore conservé : même jour, `CONSERVATION_MOIS_SANS_CONTACT` mois plus
    tôt (un contact ce jour-là ou après garde la personne)."""
    jour = aujourd_hui or timezone.localdate()
    mois = ajouter_mois(jour, -duree_de_conservation_mois())
    # Le même quantième (le 29 février devient le dernier jour du mois visé).
    for quantieme in range(jour.day, 27, -1):
        try:
            return mois.replace(day=quantieme)
        except ValueError:
            continue
    return mois.replace(day=min(jour.day, 28))


def _horodate(jour: date) -> datetime:
    return timezone.make_aware(datetime.combine(jour, time.min))


def _membres_pendant(foyers, limite: date) -> set[int]:
    """Les personnes membres de ces foyers depuis la limite (appartenance pas finie avant)."""
    return set(
        MembreFoyer.objects.filter(foyer__in=foyers)
        .filter(Q(date_fin__isnull=True) | Q(date_fin__gte=limite))
        .values_list("habitant_id", flat=True)
    )


def _membres_actuels(foyers) -> set[int]:
    return set(
        MembreFoyer.objects.filter(foyer__in=foyers, date_fin__isnull=True).values_list(
            "habitant_id", flat=True
        )
    )


def contacts_depuis(limite: date) -> set[int]:
    """Les personnes qui ont eu un contact avec le CCAS ce jour-là ou après (une requête par
    sorte de contact)."""
    depuis = _horodate(limite)
    ids: set[int] = set()
    ids |= set(
        Habitant.objects.filter(
            Q(cree_le__gte=depuis)
            | Q(date_information__gte=limite)
            | Q(date_consentement__gte=limite)
        ).values_list("pk", flat=True)
    )
    ids |= set(
        Passage.objects.filter(date_heure__gte=depuis, habitant__isnull=False).values_list(
            "habitant_id", flat=True
        )
    )
    ids |= set(
        MembreFoyer.objects.filter(Q(date_debut__gte=limite) | Q(date_fin__gte=limite)).values_list(
            "habitant_id", flat=True
        )
    )
    ids |= set(
        Intervention.participants.through.objects.filter(
            intervention__date__gte=limite
        ).values_list("habitant_id", flat=True)
    )
    actifs = Accompagnement.objects.filter(
        Q(date_ouverture__gte=limite)
        | Q(date_cloture__gte=limite)
        | Q(interventions__date__gte=limite)
        | Q(orientations__date__gte=limite)
        | Q(changements__date__gte=limite)
    ).values("pk")
    ids |= set(
        Accompagnement.membres.through.objects.filter(accompagnement_id__in=actifs).values_list(
            "habitant_id", flat=True
        )
    )
    ids |= set(
        Seance.participants.through.objects.filter(seance__date__gte=limite).values_list(
            "habitant_id", flat=True
        )
    )
    prestations = PrestationFoyer.objects.filter(
        Q(date_demande__gte=limite)
        | Q(date_debut__gte=limite)
        | Q(date_fin__gte=limite)
        | Q(modifie_le__gte=depuis)
    )
    ids |= set(
        prestations.filter(beneficiaire__isnull=False).values_list("beneficiaire_id", flat=True)
    )
    ids |= _membres_pendant(prestations.values("foyer_id"), limite)
    ids |= set(
        Document.objects.filter(depose_le__gte=depuis, personne__isnull=False).values_list(
            "personne_id", flat=True
        )
    )
    ids |= _membres_pendant(
        Document.objects.filter(depose_le__gte=depuis).values("foyer_id"), limite
    )
    changements = ChangementSignalement.objects.filter(le__gte=depuis)
    ids |= _membres_pendant(changements.values("signalement__foyer_id"), limite)
    return ids | _membres_actuels_des_foyers_de(ids, limite)


def _membres_actuels_des_foyers_de(ids: set[int], limite: date) -> set[int]:
    """Le dossier est celui du foyer : un contact d'une personne garde aussi les membres
    actuels du foyer où elle vivait alors (un conjoint qui ne vient jamais à l'accueil)."""
    foyers_de: dict[int, set[int]] = {}
    actuels: dict[int, set[int]] = {}
    for foyer_id, habitant_id, fin in MembreFoyer.objects.filter(
        Q(date_fin__isnull=True) | Q(date_fin__gte=limite)
    ).values_list("foyer_id", "habitant_id", "date_fin"):
        foyers_de.setdefault(habitant_id, set()).add(foyer_id)
        if fin is None:
            actuels.setdefault(foyer_id, set()).add(habitant_id)
    vivants = {f for pk in ids for f in foyers_de.get(pk, ())}
    return {pk for f in vivants for pk in actuels.get(f, ())}


#: Ce qui tient un dossier ouvert, dans l'ordre où on le dit.
TENU_OUVERT = {
    "accompagnement": "accompagnement en cours",
    "signalement": "signalement en cours",
    "prestation": "prestation demandée ou versée",
    "partage": "demande de partage en attente",
}


def tenues_ouvertes(aujourd_hui: date | None = None) -> dict[int, str]:
    """{personne : code de TENU_OUVERT} : les personnes que rien ne permet encore d'effacer
    (quel que soit leur dernier contact)."""
    jour = aujourd_hui or timezone.localdate()
    raisons: dict[int, str] = {}

    def noter(ids, code):
        for pk in ids:
            raisons.setdefault(pk, code)

    en_cours = Accompagnement.objects.exclude(statut=StatutAccompagnement.CLOS)
    noter(
        Accompagnement.membres.through.objects.filter(
            accompagnement_id__in=en_cours.values("pk")
        ).values_list("habitant_id", flat=True),
        "accompagnement",
    )
    noter(_membres_actuels(en_cours.values("foyer_id")), "accompagnement")
    ouverts = Signalement.objects.filter(etat__in=ETATS_OUVERTS)
    noter(_membres_actuels(ouverts.values("foyer_id")), "signalement")
    prestations = PrestationFoyer.objects.filter(
        Q(statut__in=[StatutPrestation.A_INSTRUIRE, StatutPrestation.DEMANDEE])
        | (
            Q(statut__in=[StatutPrestation.ACCORDEE, StatutPrestation.PERCUE])
            & (Q(date_fin__isnull=True) | Q(date_fin__gte=jour))
        )
    )
    noter(
        prestations.filter(beneficiaire__isnull=False).values_list("beneficiaire_id", flat=True),
        "prestation",
    )
    noter(_membres_actuels(prestations.values("foyer_id")), "prestation")
    attente = DemandePartage.objects.filter(statut=StatutDemande.EN_ATTENTE)
    noter(attente.filter(habitant__isnull=False).values_list("habitant_id", flat=True), "partage")
    noter(_membres_actuels(attente.values("foyer_id")), "partage")
    return raisons


@dataclass
class Bilan:
    """Ce qu'une purge a fait (ou ferait, à blanc)."""

    limite: date
    mois: int
    anonymisees: list[int] = field(default_factory=list)
    tenues_ouvertes: Counter = field(default_factory=Counter)
    deja_anonymisees: int = 0

    def en_json(self) -> dict:
        return {
            "limite": self.limite.isoformat(),
            "mois": self.mois,
            "anonymisees": len(self.anonymisees),
            "tenues_ouvertes": dict(self.tenues_ouvertes),
        }

    def lignes(self) -> list[str]:
        n = len(self.anonymisees)
        lignes = [
            f"Conservation : {self.mois} mois après le dernier contact ; "
            f"dernier contact avant le {self.limite:%d/%m/%Y} : "
            f"{compte(n, 'personne', zero='aucune personne')} {accord(n, 'anonymisée')}."
        ]
        tenues = sum(self.tenues_ouvertes.values())
        if tenues:
            detail = ", ".join(
                f"{TENU_OUVERT[code]} : {nombre}"
                for code, nombre in sorted(self.tenues_ouvertes.items())
            )
            lignes.append(
                f"{compte(tenues, 'personne')} sans contact {accord(tenues, 'gardée')} : "
                f"dossier tenu ouvert ({detail})."
            )
        if self.anonymisees:
            lignes.append("Fiches : " + ", ".join(f"n° {pk}" for pk in self.anonymisees))
        return lignes


def a_purger(aujourd_hui: date | None = None) -> Bilan:
    """Les personnes dont la durée de conservation est échue (sans rien écrire)."""
    limite = limite_de_conservation(aujourd_hui)
    bilan = Bilan(limite=limite, mois=duree_de_conservation_mois())
    recentes = contacts_depuis(limite)
    ouvertes = tenues_ouvertes(aujourd_hui)
    for pk in (
        Habitant.objects.filter(anonymise_le__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        if pk in recentes:
            continue
        if pk in ouvertes:
            bilan.tenues_ouvertes[ouvertes[pk]] += 1
            continue
        bilan.anonymisees.append(pk)
    return bilan


def purger(*, aujourd_hui: date | None = None) -> Bilan:
    """Anonymise chaque personne dont la durée de conservation est échue (une transaction par
    personne : une purge interrompue garde ce qu'elle a fait), puis journalise le bilan."""
    bilan = a_purger(aujourd_hui)
    for pk in bilan.anonymisees:
        anonymiser_habitant(
            habitant=Habitant.objects.get(pk=pk),
            agent=None,
            motif=f"conservation échue (aucun contact depuis le {bilan.limite:%d/%m/%Y})",
        )
    journaliser(
        agent=None,
        action=ActionJournal.PURGE,
        objet_type="habitants.habitant",
        details={"conservation": bilan.en_json()},
    )
    return bilan


def _effacer_note(champ: str):
    def traiter(lignes, habitant) -> int:
        return lignes.exclude(**{champ: ""}).update(**{champ: ""})

    return traiter


def _supprimer(lignes, habitant) -> int:
    return lignes.delete()[0]


def _garder(lignes, habitant) -> int:
    """Des lignes gardées telles quelles pour les statistiques (présence, appartenance) : la
    personne qu'elles désignent est anonyme."""
    return 0


def _supprimer_pieces(lignes, habitant) -> int:
    """Les pièces qui la concernent partent, et leurs fichiers après validation (une purge à
    blanc, annulée, n'efface aucun fichier)."""
    return supprimer_pieces(lignes)


def _demandes_partage(lignes, habitant) -> int:
    return lignes.update(personne_cherchee="", motif=EFFACE_TEXTE, motif_refus="")


def _accompagnements(lignes, habitant) -> int:
    """Les accompagnements dont toutes les personnes concernées sont maintenant anonymisées :
    leurs textes libres partent (axe, types, dates, durées et statuts restent)."""
    n = 0
    for acc in lignes.exclude(membres__anonymise_le__isnull=True):
        textes = {f.code for f in getattr(AXES.get(acc.axe_id), "faits", ()) if f.type == "texte"}
        if acc.faits and textes & set(acc.faits):
            faits = {k: v for k, v in acc.faits.items() if k not in textes}
            Accompagnement.objects.filter(pk=acc.pk).update(faits=faits)
        Intervention.objects.filter(accompagnement=acc).update(compte_rendu="", lieu="")
        Orientation.objects.filter(accompagnement=acc).update(motif=EFFACE_TEXTE, resultat="")
        ChangementStatut.objects.filter(accompagnement=acc).update(commentaire="")
        Objectif.objects.filter(accompagnement=acc).update(libelle=EFFACE_TEXTE)
        Action.objects.filter(objectif__accompagnement=acc).update(libelle=EFFACE_TEXTE)
        n += 1
    return n


#: Le traitement de chaque sorte de lignes de l'inventaire `fusion.LIENS` (le seul inventaire
#: de ce qui désigne une personne) : un lien nouveau sans traitement ici fait échouer
#: l'anonymisation (et tests/habitants/test_conservation.py).
def _demandes_aide(lignes, habitant) -> int:
    """Demandes d'aide : montants, états et décisions restent (statistiques) ; l'objet, les
    informations propres au type et les lettres (nom et adresse) partent."""
    Lettre.objects.filter(demande__in=lignes).delete()
    return lignes.update(objet=EFFACE_TEXTE, champs={})


ANONYMISER = {
    "passages": _effacer_note("note"),
    "appartenances": _garder,
    "ressources": _supprimer,
    "situations_conjugales": _supprimer,
    "sante": _supprimer,
    "accompagnements": _accompagnements,
    "interventions": _garder,
    "seances": _garder,
    "prestations": _effacer_note("note"),
    "demandes_aide": _demandes_aide,
    "demandes_partage": _demandes_partage,
    "documents": _supprimer_pieces,
}


def _foyers_entierement_anonymises(habitant) -> int:
    """Les foyers dont toutes les personnes (passées comprises) sont anonymisées : adresse,
    loyers, notes, commentaires et explications partent ; commune, quartier et statut
    d'occupation restent."""
    foyers = MembreFoyer.objects.filter(habitant=habitant).values("foyer_id")
    n = 0
    for foyer in Foyer.objects.filter(pk__in=foyers).exclude(
        membres__habitant__anonymise_le__isnull=True
    ):
        Foyer.objects.filter(pk=foyer.pk).update(
            adresse=EFFACE_TEXTE, complement_adresse="", adresse_normalisee=""
        )
        PeriodeLoyer.objects.filter(foyer=foyer).delete()
        PrestationFoyer.objects.filter(foyer=foyer).update(note="")
        for s in Signalement.objects.filter(foyer=foyer).only("pk", "explication"):
            garde = {k: v for k, v in (s.explication or {}).items() if k in ("mois", "personnes")}
            Signalement.objects.filter(pk=s.pk).update(explication=garde)
        ChangementSignalement.objects.filter(signalement__foyer=foyer).update(commentaire="")
        supprimer_pieces(Document.objects.filter(foyer=foyer))
        n += 1
    return n


@transaction.atomic
def anonymiser_habitant(*, habitant: Habitant, agent, motif: str, request=None) -> dict:
    """Efface ce qui identifie la personne et le texte libre qui la concerne ; garde les
    lignes que comptent les statistiques (`EFFACE`, `GARDE`). Journalisé (sans identité).
    Renvoie le nombre de lignes touchées par nature."""
    inconnus = [lien.nature for lien in LIENS if lien.nature not in ANONYMISER]
    if inconnus:
        raise RuntimeError(f"L'anonymisation ne sait pas traiter : {', '.join(inconnus)}.")
    habitant = Habitant.objects.select_for_update().get(pk=habitant.pk)
    if habitant.anonymise_le is not None:
        return {}
    naissance = habitant.date_naissance
    Habitant.objects.filter(pk=habitant.pk).update(
        nom_usage="ANONYME",
        nom_naissance="",
        prenoms=f"n° {habitant.pk}",
        date_naissance=date(naissance.year, 1, 1) if naissance else None,
        sexe="",
        telephone="",
        courriel="",
        adresse_contact="",
        recherche="",
        nom_normalise="",
        prenoms_normalises="",
        telephone_chiffres="",
        cle_nom="",
        cle_prenom="",
        date_information=None,
        informe_par=None,
        consentement=EtatConsentement.NON_DEMANDE,
        date_consentement=None,
        activite="",
        anonymise_le=timezone.now(),
    )
    touche = {
        lien.nature: ANONYMISER[lien.nature](_lignes(lien, habitant), habitant) for lien in LIENS
    }
    touche["foyers"] = _foyers_entierement_anonymises(habitant)
    details = {"motif": motif, "lignes": {k: v for k, v in touche.items() if v}}
    journaliser(
        agent=agent, action=ActionJournal.PURGE, objet=habitant, details=details, request=request
    )
    return details["lignes"]
