"""Fusion de deux fiches d'une même personne (doublons) : une écriture, une transaction.

La fiche conservée reçoit les valeurs choisies champ par champ parmi les deux fiches, puis
toutes les lignes qui désignent la fiche absorbée (`LIENS`) ; la fiche absorbée est ensuite
supprimée (ADR 0012), le journal garde la trace de la fusion. Réservé aux travailleurs
sociaux des sites des deux fiches.
"""

from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from ccas_portal import perms
from ccas_portal.enums import ActionJournal
from ccas_portal.journal import journaliser
from ccas_portal.models import Agent
from droits.models import Demande, Document, PrestationFoyer
from habitants.enums import RoleMembre, StatutMarital
from habitants.models import (
    Habitant,
    MembreFoyer,
    Passage,
    Ressource,
    SituationConjugale,
    SituationSante,
)
from habitants.models_partage import DemandePartage
from habitants.services import (
    _tracer,
    indexer_habitant,
    valeur_lisible,
    verifier_noms,
)

CONSERVEE, ABSORBEE = "conservee", "absorbee"


@dataclass(frozen=True)
class Choix:
    """Une valeur à choisir entre les deux fiches : un champ, ou des champs qui vont
    ensemble (la situation conjugale et sa date, l'information RGPD, la santé)."""

    cle: str
    libelle: str
    champs: tuple[str, ...]
    #: "habitant", "sante" (les champs de SituationSante) ou "conjugale" (l'historique des
    #: SituationConjugale de la fiche, retenu en entier d'une fiche ou de l'autre)
    source: str = "habitant"


CHOIX = (
    Choix("nom_usage", "Nom d'usage", ("nom_usage",)),
    Choix("nom_naissance", "Nom de naissance", ("nom_naissance",)),
    Choix("prenoms", "Prénom(s)", ("prenoms",)),
    Choix("date_naissance", "Date de naissance", ("date_naissance",)),
    Choix("sexe", "Sexe", ("sexe",)),
    Choix("telephone", "Téléphone", ("telephone",)),
    Choix("courriel", "Courriel", ("courriel",)),
    Choix("adresse_contact", "Adresse de contact", ("adresse_contact",)),
    Choix(
        "situation_conjugale",
        "Situation conjugale (historique daté)",
        ("situations_conjugales",),
        source="conjugale",
    ),
    Choix("activite", "Situation d'activité", ("activite",)),
    Choix(
        "information",
        "Information sur le traitement des données et consentement au contact",
        ("date_information", "informe_par", "consentement", "date_consentement"),
    ),
    Choix(
        "sante",
        "Santé (taux d'incapacité, reconnaissance MDPH)",
        ("taux_incapacite", "reconnaissance_mdph", "date_reconnaissance_mdph"),
        source="sante",
    ),
)
CHOIX_PAR_CLE = {c.cle: c for c in CHOIX}
#: Le choix où montrer l'erreur d'un champ du modèle.
CHOIX_DU_CHAMP = {champ: c.cle for c in CHOIX for champ in c.champs}


@dataclass(frozen=True)
class Lien:
    """Une sorte de lignes qui désignent une personne, et son nom pour un agent."""

    nature: str
    libelle: str
    modele: str
    champ: str
    #: une ligne, plusieurs lignes (« 1 passage à l'accueil », « 2 passages à l'accueil »)
    un: str = ""
    plusieurs: str = ""


#: Toutes les lignes qui désignent une personne : la fusion les déplace toutes vers la fiche
#: conservée. Un nouveau lien vers Habitant doit être ajouté ici et traité dans
#: `_deplacer` (tests/habitants/test_fusion.py::test_tous_les_liens_sont_traites échoue sinon,
#: et la fusion refuse de supprimer une fiche encore désignée par un lien inconnu).
LIENS = (
    Lien(
        "passages",
        "Passages à l'accueil",
        "habitants.Passage",
        "habitant",
        "passage à l'accueil",
        "passages à l'accueil",
    ),
    Lien(
        "appartenances",
        "Appartenances aux foyers (actuelle et passées)",
        "habitants.MembreFoyer",
        "habitant",
        "appartenance à un foyer",
        "appartenances aux foyers",
    ),
    Lien(
        "ressources",
        "Ressources",
        "habitants.Ressource",
        "habitant",
        "ressource",
        "ressources",
    ),
    Lien(
        "situations_conjugales",
        "Situations conjugales (historique)",
        "habitants.SituationConjugale",
        "habitant",
        "situation conjugale",
        "situations conjugales",
    ),
    Lien(
        "sante",
        "Situation de santé",
        "habitants.SituationSante",
        "habitant",
        "situation de santé",
        "situations de santé",
    ),
    Lien(
        "accompagnements",
        "Accompagnements",
        "accompagnement.Accompagnement",
        "membres",
        "accompagnement",
        "accompagnements",
    ),
    Lien(
        "interventions",
        "Présences aux interventions",
        "accompagnement.Intervention",
        "participants",
        "présence à une intervention",
        "présences aux interventions",
    ),
    Lien(
        "seances",
        "Participations aux séances d'actions collectives",
        "accompagnement.Seance",
        "participants",
        "participation à une séance",
        "participations aux séances",
    ),
    Lien(
        "prestations",
        "Prestations perçues ou demandées (bénéficiaire)",
        "droits.PrestationFoyer",
        "beneficiaire",
        "prestation",
        "prestations",
    ),
    Lien(
        "demandes_aide",
        "Demandes d'aide (bénéficiaire)",
        "droits.Demande",
        "beneficiaire",
        "demande d'aide",
        "demandes d'aide",
    ),
    Lien(
        "demandes_partage",
        "Demandes de partage ou de transfert de son foyer",
        "habitants.DemandePartage",
        "habitant",
        "demande de partage",
        "demandes de partage",
    ),
    Lien(
        "documents",
        "Pièces du dossier la concernant",
        "droits.Document",
        "personne",
        "pièce du dossier",
        "pièces du dossier",
    ),
)


def liens_vers_habitant() -> set[tuple[str, str]]:
    """Tous les champs (clé étrangère, un-à-un, plusieurs-à-plusieurs) de tous les modèles
    qui désignent une personne, y compris ceux sans accès inverse (`related_name="+"`) :
    (« app.Modele », champ)."""
    trouves = set()
    for modele in apps.get_models():
        for champ in modele._meta.get_fields():
            if (
                isinstance(champ, models.ForeignKey | models.ManyToManyField)
                and champ.remote_field.model is Habitant
            ):
                trouves.add((modele._meta.label, champ.name))
    return trouves


def _lignes(lien: Lien, habitant: Habitant) -> models.QuerySet:
    return apps.get_model(lien.modele).objects.filter(**{lien.champ: habitant})


def lignes_liees(habitant: Habitant) -> dict[str, int]:
    """Le nombre de lignes de chaque nature qui désignent cette personne (une requête par
    nature)."""
    return {lien.nature: _lignes(lien, habitant).count() for lien in LIENS}


def _sante(habitant: Habitant) -> SituationSante | None:
    return SituationSante.objects.filter(habitant=habitant).first()


def _historique_conjugal(habitant: Habitant) -> tuple[tuple[str, date], ...]:
    return tuple(
        SituationConjugale.objects.filter(habitant=habitant)
        .order_by("date_debut")
        .values_list("statut", "date_debut")
    )


def valeurs_de(habitant: Habitant, choix: Choix, sante: SituationSante | None = None) -> tuple:
    """Les valeurs brutes d'un choix sur une fiche (santé : None si la fiche n'en a pas ;
    situation conjugale : son historique, vide si la fiche n'en a pas)."""
    if choix.source == "conjugale":
        return (_historique_conjugal(habitant) or None,)
    objet = sante if choix.source == "sante" else habitant
    if objet is None:
        return tuple(None for _ in choix.champs)
    return tuple(getattr(objet, f"{c}_id" if c == "informe_par" else c) for c in choix.champs)


def lisible(habitant: Habitant, choix: Choix, sante: SituationSante | None = None) -> str:
    """Un choix tel qu'un agent le lit (« — » quand la fiche n'a rien)."""
    if choix.source == "conjugale":
        libelles = dict(StatutMarital.choices)
        return (
            " ; puis ".join(
                f"{libelles.get(statut, statut)} depuis le {debut:%d/%m/%Y}"
                for statut, debut in _historique_conjugal(habitant)
            )
            or "—"
        )
    objet = sante if choix.source == "sante" else habitant
    if objet is None:
        return "—"
    if choix.cle == "information":
        if not habitant.date_information:
            return "—"
        texte = f"information donnée le {habitant.date_information:%d/%m/%Y}"
        if habitant.informe_par_id:
            texte += f" par {habitant.informe_par}"
        contact = habitant.get_consentement_display().lower()
        if habitant.date_consentement:
            contact += f" le {habitant.date_consentement:%d/%m/%Y}"
        return f"{texte} ; contact {contact}"
    if len(choix.champs) == 1:
        return valeur_lisible(objet, choix.champs[0])
    morceaux = [
        f"{str(objet._meta.get_field(c).verbose_name).capitalize()} : {valeur_lisible(objet, c)}"
        for c in choix.champs
        if getattr(objet, c) not in (None, "", False)
    ]
    return " ; ".join(morceaux) or "—"


def _vide(valeurs: tuple) -> bool:
    return all(v in (None, "", False) for v in valeurs)


def choix_par_defaut(conservee: Habitant, absorbee: Habitant) -> dict[str, str]:
    """La valeur retenue sans autre indication : celle de la fiche conservée, sauf quand elle
    est vide et que l'autre fiche en a une (rien n'est perdu par défaut)."""
    sante_c, sante_a = _sante(conservee), _sante(absorbee)
    defaut = {}
    for choix in CHOIX:
        c = valeurs_de(conservee, choix, sante_c)
        a = valeurs_de(absorbee, choix, sante_a)
        defaut[choix.cle] = ABSORBEE if _vide(c) and not _vide(a) else CONSERVEE
    return defaut


def conflit_de_foyers(conservee: Habitant, absorbee: Habitant) -> str | None:
    """Le message qui dit quoi faire d'abord quand les deux fiches ont chacune un foyer
    actuel différent ; None sinon."""
    actuels = {
        m.habitant_id: m
        for m in MembreFoyer.objects.filter(
            habitant__in=[conservee, absorbee], date_fin__isnull=True
        ).select_related("foyer")
    }
    c, a = actuels.get(conservee.pk), actuels.get(absorbee.pk)
    if c is None or a is None or c.foyer_id == a.foyer_id:
        return None
    return (
        f"Les deux fiches font chacune partie d'un foyer actuel différent ({c.foyer} et "
        f"{a.foyer}). Une personne n'a qu'un foyer actuel : enregistrez d'abord, dans le "
        "dossier du foyer où elle ne vit plus, son départ (« Départ du foyer »), puis "
        "revenez fusionner les fiches."
    )


def _verifier_droits(agent: Agent, conservee: Habitant, absorbee: Habitant) -> None:
    if not perms.peut_fusionner_habitants(agent, conservee, absorbee):
        raise PermissionDenied(
            "La fusion de fiches est réservée aux travailleurs sociaux des sites des deux fiches."
        )


def _appliquer_valeurs(
    conservee: Habitant,
    absorbee: Habitant,
    retenus: dict[str, str],
    sante_c: SituationSante | None,
    sante_a: SituationSante | None,
) -> dict:
    """Pose sur la fiche conservée (et sa santé) les valeurs retenues ; renvoie, pour le
    journal, chaque choix où les fiches différaient : valeur retenue et valeur écartée."""
    trace = {}
    for choix in CHOIX:
        vc = valeurs_de(conservee, choix, sante_c)
        va = valeurs_de(absorbee, choix, sante_a)
        if vc == va:
            continue
        lc, la = lisible(conservee, choix, sante_c), lisible(absorbee, choix, sante_a)
        garder_absorbee = retenus[choix.cle] == ABSORBEE
        trace[choix.libelle] = {
            "retenue": la if garder_absorbee else lc,
            "ecartee": lc if garder_absorbee else la,
            "fiche": absorbee.pk if garder_absorbee else conservee.pk,
        }
        if not garder_absorbee or choix.source != "habitant":
            continue
        for champ, valeur in zip(choix.champs, va, strict=True):
            setattr(conservee, f"{champ}_id" if champ == "informe_par" else champ, valeur)
    return trace


def _fusionner_sante(conservee, absorbee, retenus, sante_c, sante_a) -> int:
    """Une situation de santé par personne : celle retenue reste (ou rejoint la fiche
    conservée), l'autre est effacée. Renvoie le nombre de lignes déplacées (0 ou 1)."""
    if sante_a is None:
        if sante_c is not None and retenus["sante"] == ABSORBEE:
            sante_c.delete()  # « aucune donnée de santé » retenu
        return 0
    if sante_c is None:
        if retenus["sante"] == ABSORBEE:
            SituationSante.objects.filter(habitant=absorbee).update(habitant=conservee)
            return 1
        sante_a.delete()
        return 0
    if retenus["sante"] == ABSORBEE:
        for champ in CHOIX_PAR_CLE["sante"].champs:
            setattr(sante_c, champ, getattr(sante_a, champ))
        sante_c.full_clean()
        sante_c.save()
    sante_a.delete()
    return 1


def _fusionner_conjugales(conservee: Habitant, absorbee: Habitant, retenus) -> int:
    """L'historique conjugal retenu reste (ou rejoint la fiche conservée), l'autre est effacé
    (deux historiques mêlés se contrediraient). Renvoie le nombre de lignes déplacées."""
    if retenus["situation_conjugale"] == ABSORBEE:
        SituationConjugale.objects.filter(habitant=conservee).delete()
        return SituationConjugale.objects.filter(habitant=absorbee).update(habitant=conservee)
    SituationConjugale.objects.filter(habitant=absorbee).delete()
    return 0


def _fusionner_appartenances(conservee: Habitant, absorbee: Habitant) -> int:
    """Les appartenances de la fiche absorbée rejoignent la fiche conservée. Même foyer
    actuel pour les deux : une seule appartenance actuelle reste, celle de la fiche
    conservée, depuis la plus ancienne des deux dates d'arrivée, demandeur si l'une des deux
    l'était (le foyer garde son demandeur)."""
    a_actuelle = MembreFoyer.objects.filter(habitant=absorbee, date_fin__isnull=True).first()
    c_actuelle = MembreFoyer.objects.filter(habitant=conservee, date_fin__isnull=True).first()
    n = MembreFoyer.objects.filter(habitant=absorbee).count()
    if a_actuelle and c_actuelle and a_actuelle.foyer_id == c_actuelle.foyer_id:
        debut = min(a_actuelle.date_debut, c_actuelle.date_debut)
        demandeur = RoleMembre.DEMANDEUR in (a_actuelle.role, c_actuelle.role)
        a_actuelle.delete()
        c_actuelle.date_debut = debut
        if demandeur:
            c_actuelle.role = RoleMembre.DEMANDEUR
        c_actuelle.save(update_fields=["date_debut", "role"])
    MembreFoyer.objects.filter(habitant=absorbee).update(habitant=conservee)
    return n


def _deplacer_m2m(modele: str, champ: str, conservee: Habitant, absorbee: Habitant) -> int:
    """Les lignes d'association de la fiche absorbée passent à la fiche conservée ; celles
    qui doubleraient une ligne de la fiche conservée (même accompagnement, même séance…)
    sont effacées. Renvoie le nombre de lignes de la fiche absorbée."""
    m2m = apps.get_model(modele)._meta.get_field(champ)
    lien = m2m.remote_field.through.objects
    cote_objet, cote_habitant = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
    siennes = lien.filter(**{cote_habitant: absorbee})
    n = siennes.count()
    deja = lien.filter(**{cote_habitant: conservee}).values(f"{cote_objet}_id")
    siennes.exclude(**{f"{cote_objet}_id__in": deja}).update(**{cote_habitant: conservee})
    lien.filter(**{cote_habitant: absorbee}).delete()
    return n


def _deplacer(conservee, absorbee, retenus, sante_c, sante_a) -> dict[str, int]:
    """Déplace toutes les lignes de `LIENS` ; renvoie leur nombre par nature."""
    return {
        "passages": Passage.objects.filter(habitant=absorbee).update(habitant=conservee),
        "appartenances": _fusionner_appartenances(conservee, absorbee),
        "ressources": Ressource.objects.filter(habitant=absorbee).update(habitant=conservee),
        "sante": _fusionner_sante(conservee, absorbee, retenus, sante_c, sante_a),
        "situations_conjugales": _fusionner_conjugales(conservee, absorbee, retenus),
        "accompagnements": _deplacer_m2m(
            "accompagnement.Accompagnement", "membres", conservee, absorbee
        ),
        "interventions": _deplacer_m2m(
            "accompagnement.Intervention", "participants", conservee, absorbee
        ),
        "seances": _deplacer_m2m("accompagnement.Seance", "participants", conservee, absorbee),
        "prestations": PrestationFoyer.objects.filter(beneficiaire=absorbee).update(
            beneficiaire=conservee
        ),
        "demandes_aide": Demande.objects.filter(beneficiaire=absorbee).update(
            beneficiaire=conservee
        ),
        "demandes_partage": DemandePartage.objects.filter(habitant=absorbee).update(
            habitant=conservee
        ),
        "documents": Document.objects.filter(personne=absorbee).update(personne=conservee),
    }


def _verifier_plus_rien(absorbee: Habitant) -> None:
    """Aucune ligne ne désigne plus la fiche absorbée : sinon sa suppression effacerait (ou
    viderait) des lignes qu'aucune fusion n'a traitées. Toute la fusion est alors annulée."""
    for label, champ in sorted(liens_vers_habitant()):
        if apps.get_model(label).objects.filter(**{champ: absorbee}).exists():
            raise RuntimeError(
                f"La fusion ne sait pas déplacer {label}.{champ} : ajoutez ce lien à "
                "habitants.fusion.LIENS."
            )


def _erreurs_par_choix(erreur: ValidationError) -> ValidationError:
    """Les erreurs des champs du modèle, rangées sous le choix qui les porte."""
    if not hasattr(erreur, "error_dict"):
        return erreur
    par_choix: dict[str, list] = {}
    for champ, erreurs in erreur.error_dict.items():
        par_choix.setdefault(CHOIX_DU_CHAMP.get(champ, champ), []).extend(erreurs)
    return ValidationError(par_choix)


def _verifier_coherence(habitant: Habitant, historique_conjugal) -> None:
    """Des valeurs prises sur deux fiches doivent aller ensemble."""
    premiere = min((debut for _, debut in historique_conjugal or ()), default=None)
    if premiere and habitant.date_naissance and premiere < habitant.date_naissance:
        raise ValidationError(
            {
                "situation_conjugale": "La situation conjugale commencerait avant la date de "
                "naissance retenue : choisissez l'autre date de naissance ou l'autre situation."
            }
        )


@transaction.atomic
def fusionner_habitants(
    *, agent: Agent, conservee: Habitant, absorbee: Habitant, valeurs: dict
) -> dict[str, int]:
    """Réunit deux fiches d'une même personne dans `conservee` et supprime `absorbee`.

    `valeurs` : pour chaque clé de `CHOIX`, « conservee » ou « absorbee » (la fiche dont la
    valeur est retenue) ; une clé absente prend `choix_par_defaut`. Renvoie le nombre de lignes
    déplacées par nature (`LIENS`). Refuse (ValidationError, rien n'est écrit) deux fois la
    même fiche, une valeur illisible, deux foyers actuels différents, des valeurs invalides.
    """
    if conservee.pk == absorbee.pk:
        raise ValidationError("Choisissez deux fiches différentes.")
    _verifier_droits(agent, conservee, absorbee)
    inconnues = set(valeurs) - set(CHOIX_PAR_CLE)
    if inconnues:
        raise ValueError(f"Choix inconnus : {sorted(inconnues)}")
    erreurs = {
        cle: "Choisissez la valeur de l'une des deux fiches."
        for cle, v in valeurs.items()
        if v not in (CONSERVEE, ABSORBEE)
    }
    if erreurs:
        raise ValidationError(erreurs)
    # Verrouille les deux fiches : une seconde fusion simultanée attend, puis ne les trouve plus.
    verrouillees = {
        h.pk: h
        for h in Habitant.objects.select_for_update().filter(pk__in=[conservee.pk, absorbee.pk])
    }
    if len(verrouillees) != 2:
        raise ValidationError(
            "L'une des deux fiches n'existe plus : elle a peut-être déjà été fusionnée."
        )
    conservee, absorbee = verrouillees[conservee.pk], verrouillees[absorbee.pk]
    _verifier_droits(agent, conservee, absorbee)
    conflit = conflit_de_foyers(conservee, absorbee)
    if conflit:
        raise ValidationError(conflit)

    retenus = choix_par_defaut(conservee, absorbee) | valeurs
    foyers = sorted(
        set(
            MembreFoyer.objects.filter(habitant__in=[conservee, absorbee]).values_list(
                "foyer_id", flat=True
            )
        )
    )
    sante_c, sante_a = _sante(conservee), _sante(absorbee)
    trace = _appliquer_valeurs(conservee, absorbee, retenus, sante_c, sante_a)
    indexer_habitant(conservee)
    try:
        verifier_noms(conservee)
        conservee.full_clean()
        source = absorbee if retenus["situation_conjugale"] == ABSORBEE else conservee
        _verifier_coherence(conservee, _historique_conjugal(source))
    except ValidationError as erreur:
        raise _erreurs_par_choix(erreur) from None
    identite_absorbee = f"{absorbee} (fiche n° {absorbee.pk})"

    lignes = _deplacer(conservee, absorbee, retenus, sante_c, sante_a)
    actuelle = (
        MembreFoyer.objects.filter(habitant=conservee, date_fin__isnull=True)
        .select_related("foyer")
        .first()
    )
    if actuelle and actuelle.foyer.site_id != conservee.site_id:
        conservee.site_id = actuelle.foyer.site_id  # la personne suit son foyer actuel
    conservee.save()
    _verifier_plus_rien(absorbee)
    absorbee_pk = absorbee.pk
    absorbee.delete()

    details = {
        "fusion": {
            "conservee": conservee.pk,
            "absorbee": absorbee_pk,
            "personne_absorbee": identite_absorbee,
            "valeurs": trace,
            "lignes": lignes,
        }
    }
    journaliser(agent=agent, action=ActionJournal.MODIFICATION, objet=conservee, details=details)
    resume = {"Fiche absorbée": identite_absorbee} | {
        libelle: v["retenue"] for libelle, v in trace.items()
    }
    if foyers:
        _tracer(
            agent=agent,
            foyers=foyers,
            libelle=f"Fusion de deux fiches de {conservee} (fiche n° {conservee.pk} conservée)",
            avant={
                k: (identite_absorbee if k == "Fiche absorbée" else trace[k]["ecartee"])
                for k in resume
            },
            apres=resume | {"Fiche absorbée": "supprimée, réunie dans la fiche conservée"},
            habitant=conservee,
        )  # marque aussi les faits de ces foyers comme modifiés (détection)
    return lignes
