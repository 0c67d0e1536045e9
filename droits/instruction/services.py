"""Les écritures de l'instruction des demandes : une transaction chacune, journalisée.

Erreurs de saisie : `ValidationError` dont les clés sont les noms des champs des formulaires
(`droits/instruction/forms.py`), pour que le message s'affiche à côté du champ.

Budget : une décision accordée et un paiement verrouillent la ligne du budget qui les porte
(`select_for_update`) avant de lire ses chiffres, si bien que deux écritures simultanées se
suivent et que la seconde voit la première ; dépasser le budget voté demande une confirmation
explicite (`malgre_depassement`).
"""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ccas_portal import perms
from ccas_portal.enums import ActionJournal
from ccas_portal.formats import euros
from ccas_portal.journal import journaliser
from droits.instruction import budget as budgets
from droits.instruction import lettres
from droits.instruction.enums import (
    ETATS_A_INSTRUIRE,
    EtatDemande,
    IssueLogement,
    ModePaiement,
    NatureDemande,
    SensDecision,
)
from droits.instruction.evaluation import age_a, controler, evaluer
from droits.instruction.models import (
    Budget,
    Decision,
    Demande,
    Lettre,
    Paiement,
    Reglement,
    Seance,
)

#: Les informations propres à chaque type de demande (clé : libellé), rangées dans `champs`.
CHAMPS_PAR_NATURE = {
    NatureDemande.FACULTATIVE: {},
    NatureDemande.AIDE_SOCIALE_LEGALE: {
        "etablissement": "Établissement ou service concerné",
        "obliges_alimentaires": "Obligés alimentaires connus",
    },
    NatureDemande.LOGEMENT_SOCIAL: {
        "numero_unique": "Numéro unique de demande",
        "typologie": "Typologie souhaitée",
        "communes_souhaitees": "Communes souhaitées",
    },
}


def _exiger(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


def deja_accorde_12_mois(foyer, jour: date, *, sauf: Demande | None = None) -> Decimal:
    """Le total accordé au foyer par le CCAS dans les 12 mois qui précèdent `jour`."""
    decisions = Decision.objects.filter(
        demande__foyer=foyer,
        sens=SensDecision.ACCORDEE,
        decide_le__date__gt=jour - timedelta(days=365),
        decide_le__date__lte=jour,
    )
    if sauf is not None and sauf.pk is not None:
        decisions = decisions.exclude(demande=sauf)
    return decisions.aggregate(t=Sum("montant"))["t"] or Decimal("0")


def _controler(demande: Demande, evaluation, jour: date) -> list[dict]:
    if demande.nature != NatureDemande.FACULTATIVE or demande.type_aide is None:
        return []
    beneficiaire = demande.beneficiaire
    controle = controler(
        demande.type_aide,
        evaluation=evaluation,
        age_beneficiaire=age_a(beneficiaire.date_naissance, jour) if beneficiaire else None,
        montant=demande.montant_demande,
        deja_accorde_12_mois=deja_accorde_12_mois(demande.foyer, jour, sauf=demande),
        code_insee_commune=demande.type_aide.reglement.code_insee_commune,
    )
    return controle.lignes


@transaction.atomic
def creer_demande(
    *,
    agent,
    foyer,
    nature: str,
    objet: str,
    beneficiaire=None,
    type_aide=None,
    dispositif: str = "",
    montant_demande: Decimal | None = None,
    champs: dict | None = None,
    date_depot: date | None = None,
    autres_charges: Decimal | None = None,
    ressources_complementaires: Decimal | None = None,
    commentaire_evaluation: str = "",
    signalement=None,
) -> Demande:
    _exiger(perms.peut_instruire(agent) and perms.peut_suivre_foyer(agent, foyer))
    aujourd_hui = timezone.localdate()
    date_depot = date_depot or aujourd_hui
    erreurs = {}
    if date_depot > aujourd_hui:
        erreurs["date_depot"] = "La date de dépôt ne peut pas être dans le futur."
    if (
        beneficiaire is not None
        and not foyer.membres.filter(habitant=beneficiaire, date_fin__isnull=True).exists()
    ):
        erreurs["beneficiaire"] = "Le bénéficiaire doit être membre du foyer aujourd'hui."
    if nature == NatureDemande.FACULTATIVE:
        if type_aide is None:
            erreurs["type_aide"] = "Choisissez le type d'aide."
        else:
            en_vigueur = Reglement.en_vigueur(date_depot)
            if en_vigueur is None or type_aide.reglement_id != en_vigueur.pk:
                erreurs["type_aide"] = (
                    "Ce type d'aide n'appartient pas au règlement en vigueur à la date du dépôt."
                )
        if montant_demande is None:
            erreurs["montant_demande"] = "Indiquez le montant demandé."
    elif nature == NatureDemande.AIDE_SOCIALE_LEGALE:
        if not dispositif:
            erreurs["dispositif"] = "Choisissez le dispositif d'aide sociale."
        type_aide, montant_demande = None, None
    elif nature == NatureDemande.LOGEMENT_SOCIAL:
        type_aide, montant_demande, dispositif = None, None, ""
    else:
        erreurs["nature"] = "Type de demande inconnu."
    if montant_demande is not None and montant_demande <= 0:
        erreurs["montant_demande"] = "Le montant demandé doit être positif."
    if erreurs:
        raise ValidationError(erreurs)
    connus = CHAMPS_PAR_NATURE.get(nature, {})
    demande = Demande(
        foyer=foyer,
        site=foyer.site,
        beneficiaire=beneficiaire,
        nature=nature,
        type_aide=type_aide,
        dispositif=dispositif if nature == NatureDemande.AIDE_SOCIALE_LEGALE else "",
        montant_demande=montant_demande,
        objet=objet.strip(),
        champs={k: v for k, v in (champs or {}).items() if k in connus and v},
        date_depot=date_depot,
        signalement=signalement,
        cree_par=agent,
    )
    if nature == NatureDemande.FACULTATIVE:
        evaluation = evaluer(
            foyer,
            aujourd_hui,
            autres_charges=autres_charges or Decimal("0"),
            ressources_complementaires=ressources_complementaires or Decimal("0"),
            commentaire=commentaire_evaluation,
        )
        demande.evaluation = evaluation.as_dict()
        demande.eligibilite = _controler(demande, evaluation, aujourd_hui)
    demande.save()
    journaliser(
        agent=agent,
        action=ActionJournal.CREATION,
        objet=demande,
        details={"foyer": foyer.pk, "nature": nature, "intitule": demande.intitule},
    )
    return demande


@transaction.atomic
def completer_evaluation(
    *,
    agent,
    demande: Demande,
    autres_charges: Decimal,
    ressources_complementaires: Decimal,
    commentaire: str = "",
) -> Demande:
    """Le travailleur social complète l'évaluation (charges et ressources non enregistrées) ;
    elle est recalculée depuis le dossier social du jour, avec le contrôle d'éligibilité."""
    _exiger(perms.peut_suivre_foyer(agent, demande.foyer))
    if demande.nature != NatureDemande.FACULTATIVE or demande.etat not in ETATS_A_INSTRUIRE:
        raise ValidationError("L'évaluation ne se complète que pendant l'instruction.")
    if autres_charges < 0 or ressources_complementaires < 0:
        raise ValidationError({"autres_charges": "Les montants ne peuvent pas être négatifs."})
    jour = timezone.localdate()
    evaluation = evaluer(
        demande.foyer,
        jour,
        autres_charges=autres_charges,
        ressources_complementaires=ressources_complementaires,
        commentaire=commentaire,
    )
    avant = demande.evaluation
    demande.evaluation = evaluation.as_dict()
    demande.eligibilite = _controler(demande, evaluation, jour)
    demande.save(update_fields=["evaluation", "eligibilite", "modifie_le"])
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=demande,
        details={"evaluation_avant": avant, "evaluation_apres": demande.evaluation},
    )
    return demande


@transaction.atomic
def presenter_en_commission(*, agent, demande: Demande) -> Demande:
    """L'instruction est finie : la demande va à l'ordre du jour de la prochaine séance."""
    _exiger(perms.peut_suivre_foyer(agent, demande.foyer))
    if demande.nature != NatureDemande.FACULTATIVE:
        raise ValidationError("Seules les aides facultatives passent en commission.")
    if demande.etat not in (EtatDemande.EN_INSTRUCTION, EtatDemande.AJOURNEE):
        raise ValidationError(
            f"La demande est « {demande.get_etat_display().lower()} » : elle ne peut pas être "
            "présentée à la commission."
        )
    demande.etat = EtatDemande.PRETE
    demande.save(update_fields=["etat", "modifie_le"])
    journaliser(
        agent=agent, action=ActionJournal.MODIFICATION, objet=demande, details={"etat": "prete"}
    )
    return demande


@transaction.atomic
def transmettre_au_departement(*, agent, demande: Demande, date_transmission: date) -> Demande:
    """Note la transmission d'un dossier d'aide sociale légale au Département, une fois : la
    demande est relue sous verrou, deux transmissions simultanées ne s'écrivent pas toutes
    les deux (la seconde reçoit « déjà transmis »)."""
    _exiger(perms.peut_suivre_foyer(agent, demande.foyer))
    demande = Demande.objects.select_for_update(of=("self",)).get(pk=demande.pk)
    if demande.nature != NatureDemande.AIDE_SOCIALE_LEGALE:
        raise ValidationError("Seuls les dossiers d'aide sociale légale se transmettent.")
    if demande.date_transmission is not None:
        raise ValidationError("Ce dossier a déjà été transmis.")
    if date_transmission > timezone.localdate():
        raise ValidationError({"date_transmission": "La date ne peut pas être dans le futur."})
    if date_transmission < demande.date_depot:
        raise ValidationError(
            {"date_transmission": "La transmission ne peut pas précéder le dépôt."}
        )
    demande.date_transmission = date_transmission
    demande.etat = EtatDemande.TRANSMISE
    demande.save(update_fields=["date_transmission", "etat", "modifie_le"])
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=demande,
        details={"transmise_le": date_transmission.isoformat()},
    )
    return demande


@transaction.atomic
def clore_demande_logement(
    *, agent, demande: Demande, issue: str, date_cloture: date, request=None
) -> Demande:
    """Termine l'accompagnement d'une demande de logement social : logement attribué,
    proposition ou attribution refusée, relogement autrement, abandon. La demande passe
    « close » avec son issue et sa date ; journalisé (état et issue d'avant et d'après)."""
    _exiger(perms.peut_suivre_foyer(agent, demande.foyer))
    demande = Demande.objects.select_for_update(of=("self",)).get(pk=demande.pk)
    if demande.nature != NatureDemande.LOGEMENT_SOCIAL:
        raise ValidationError("Seules les demandes de logement social se closent ainsi.")
    if demande.etat == EtatDemande.CLOSE:
        raise ValidationError(
            f"Cette demande est déjà close ({demande.get_issue_display().lower()}, le "
            f"{demande.date_cloture:%d/%m/%Y})."
        )
    erreurs = {}
    if issue not in IssueLogement.values:
        erreurs["issue"] = "Choisissez l'issue de la demande."
    if date_cloture > timezone.localdate():
        erreurs["date_cloture"] = "La date de clôture ne peut pas être dans le futur."
    elif date_cloture < demande.date_depot:
        erreurs["date_cloture"] = (
            f"La clôture ne peut pas précéder le dépôt de la demande "
            f"({demande.date_depot:%d/%m/%Y})."
        )
    if erreurs:
        raise ValidationError(erreurs)
    avant = demande.etat
    demande.etat = EtatDemande.CLOSE
    demande.issue = issue
    demande.date_cloture = date_cloture
    demande.save(update_fields=["etat", "issue", "date_cloture", "modifie_le"])
    journaliser(
        agent=agent,
        action=ActionJournal.MODIFICATION,
        objet=demande,
        details={
            "avant": {"etat": avant},
            "apres": {
                "etat": EtatDemande.CLOSE.value,
                "issue": issue,
                "date_cloture": date_cloture.isoformat(),
            },
        },
        request=request,
    )
    return demande


@transaction.atomic
def creer_seance(*, agent, date: date, membres: str, lieu: str = "") -> Seance:
    _exiger(perms.peut_tenir_commission(agent))
    if not [m for m in membres.splitlines() if m.strip()]:
        raise ValidationError({"membres": "Indiquez au moins un membre présent."})
    seance = Seance.objects.create(date=date, membres=membres.strip(), lieu=lieu, cree_par=agent)
    journaliser(agent=agent, action=ActionJournal.CREATION, objet=seance)
    return seance


def _verrouiller_budget(demande: Demande, annee: int) -> Budget | None:
    trouve = budgets.budget_de(
        annee=annee, code_type=demande.type_aide.code, site_id=demande.site_id
    )
    if trouve is None:
        return None
    return Budget.objects.select_for_update().get(pk=trouve.pk)


@transaction.atomic
def decider(
    *,
    agent,
    demande: Demande,
    sens: str,
    seance: Seance | None = None,
    montant: Decimal | None = None,
    mode_paiement: str = "",
    motif_refus=None,
    complement: str = "",
    malgre_depassement: bool = False,
) -> Decision:
    """Une décision en séance (`seance`) ou, sans séance, en urgence par le directeur."""
    urgence = seance is None
    if urgence:
        _exiger(perms.peut_decider_en_urgence(agent))
    else:
        _exiger(perms.peut_tenir_commission(agent))
    demande = (
        Demande.objects.select_for_update(of=("self",))
        .select_related("type_aide")
        .get(pk=demande.pk)
    )
    if demande.nature != NatureDemande.FACULTATIVE:
        raise ValidationError("Seules les aides facultatives sont décidées par le CCAS.")
    if urgence:
        if not demande.type_aide.urgence_possible:
            raise ValidationError(
                "Le règlement ne permet pas de décider ce type d'aide en urgence : il va en "
                "commission."
            )
        if demande.etat not in ETATS_A_INSTRUIRE:
            raise ValidationError("Cette demande a déjà reçu une décision définitive.")
    else:
        if seance.cloturee_le is not None:
            raise ValidationError("Cette séance est close : ses décisions ne changent plus.")
        if demande.etat != EtatDemande.PRETE:
            raise ValidationError("Cette demande n'est pas à l'ordre du jour de la commission.")
    maintenant = timezone.now()
    reglement = Reglement.en_vigueur(timezone.localdate())
    if reglement is None:
        raise ValidationError("Aucun règlement des aides facultatives n'est en vigueur.")
    erreurs = {}
    if sens == SensDecision.ACCORDEE:
        type_aide = demande.type_aide
        if montant is None or montant <= 0:
            erreurs["montant"] = "Indiquez le montant accordé (positif)."
        elif montant > type_aide.plafond_demande:
            erreurs["montant"] = (
                f"Le règlement plafonne cette aide à {euros(type_aide.plafond_demande)} "
                "par demande."
            )
        elif type_aide.plafond_12_mois is not None:
            deja = deja_accorde_12_mois(demande.foyer, timezone.localdate())
            if deja + montant > type_aide.plafond_12_mois:
                erreurs["montant"] = (
                    f"{euros(deja)} déjà accordés au foyer sur 12 mois : le plafond de "
                    f"{euros(type_aide.plafond_12_mois)} serait dépassé."
                )
        if mode_paiement not in type_aide.modes_paiement:
            erreurs["mode_paiement"] = "Choisissez un mode de paiement prévu pour cette aide."
        motif_refus, complement = None, complement.strip()
    elif sens == SensDecision.AJOURNEE:
        if not complement.strip():
            erreurs["complement"] = "Dites ce qui manque pour décider."
        montant, mode_paiement, motif_refus = None, "", None
    elif sens == SensDecision.REFUSEE:
        if motif_refus is None:
            erreurs["motif_refus"] = "Choisissez le motif du refus dans le règlement."
        elif motif_refus.reglement_id != reglement.pk:
            erreurs["motif_refus"] = "Ce motif n'appartient pas au règlement en vigueur."
        montant, mode_paiement = None, ""
    else:
        erreurs["sens"] = "Choisissez la décision."
    if erreurs:
        raise ValidationError(erreurs)
    if sens == SensDecision.ACCORDEE:
        budget = _verrouiller_budget(demande, timezone.localdate().year)
        if budget is None and not malgre_depassement:
            raise ValidationError(
                {
                    "malgre_depassement": (
                        f"Aucun budget n'est voté pour « {demande.type_aide} » en "
                        f"{timezone.localdate().year} : cochez la case pour accorder quand même."
                    )
                }
            )
        if budget is not None:
            c = budgets.chiffres(budget)
            if c.accorde + montant > c.vote and not malgre_depassement:
                raise ValidationError(
                    {
                        "malgre_depassement": (
                            f"Il reste {euros(c.restant)} sur le budget voté "
                            f"({euros(c.vote)}) : accorder {euros(montant)} le dépasserait. "
                            "Cochez la case pour accorder quand même."
                        )
                    }
                )
    decision = Decision.objects.create(
        demande=demande,
        seance=seance,
        urgence=urgence,
        sens=sens,
        montant=montant,
        mode_paiement=mode_paiement,
        motif_refus=motif_refus,
        complement=complement.strip(),
        reglement=reglement,
        decide_par=agent,
        decide_le=maintenant,
    )
    demande.etat = {
        SensDecision.ACCORDEE: EtatDemande.ACCORDEE,
        SensDecision.AJOURNEE: EtatDemande.AJOURNEE,
        SensDecision.REFUSEE: EtatDemande.REFUSEE,
    }[sens]
    demande.save(update_fields=["etat", "modifie_le"])
    Lettre.objects.create(
        demande=demande,
        decision=decision,
        nom_fichier=f"decision-demande-{demande.pk}-{decision.pk}.pdf",
        contenu=lettres.lettre_de_decision(decision),
    )
    journaliser(
        agent=agent,
        action=ActionJournal.CREATION,
        objet=decision,
        details={
            "demande": demande.pk,
            "sens": sens,
            "montant": str(montant) if montant is not None else None,
            "urgence": urgence,
            "reglement": reglement.pk,
            "malgre_depassement": bool(malgre_depassement),
        },
    )
    return decision


@transaction.atomic
def cloturer_seance(*, agent, seance: Seance) -> Seance:
    """Clôt la séance : les décisions d'urgence prises depuis la précédente lui sont
    rattachées (portées à sa connaissance) ; le procès-verbal est rédigé."""
    _exiger(perms.peut_tenir_commission(agent))
    seance = Seance.objects.select_for_update().get(pk=seance.pk)
    if seance.cloturee_le is not None:
        raise ValidationError("Cette séance est déjà close.")
    Decision.objects.filter(urgence=True, seance__isnull=True).update(seance=seance)
    decisions = list(
        seance.decisions.filter(urgence=False).select_related("demande__type_aide", "motif_refus")
    )
    urgences = list(
        seance.decisions.filter(urgence=True).select_related("demande__type_aide", "motif_refus")
    )
    texte, _ = lettres.proces_verbal(seance, decisions, urgences)
    seance.proces_verbal = texte
    seance.cloturee_le = timezone.now()
    seance.save(update_fields=["proces_verbal", "cloturee_le"])
    journaliser(agent=agent, action=ActionJournal.MODIFICATION, objet=seance, details={"close": 1})
    return seance


@transaction.atomic
def enregistrer_paiement(
    *,
    agent,
    decision: Decision,
    montant: Decimal,
    mode: str,
    destinataire: str,
    date_paiement: date,
    reference: str,
    numeros_bons: str = "",
    malgre_depassement: bool = False,
) -> Paiement:
    _exiger(perms.peut_payer(agent))
    decision = Decision.objects.select_related("demande__type_aide").get(pk=decision.pk)
    if decision.sens != SensDecision.ACCORDEE:
        raise ValidationError("Seule une aide accordée se paie.")
    budget = _verrouiller_budget(decision.demande, decision.decide_le.year)
    # Verrouille aussi la décision : deux paiements d'une même aide se suivent.
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    deja = decision.paiements.aggregate(t=Sum("montant"))["t"] or Decimal("0")
    reste = decision.montant - deja
    erreurs = {}
    if montant is None or montant <= 0:
        erreurs["montant"] = "Le montant payé doit être positif."
    elif montant > reste:
        erreurs["montant"] = (
            f"Il reste {euros(reste)} à payer sur les {euros(decision.montant)} accordés."
        )
    if mode not in ModePaiement.values:
        erreurs["mode"] = "Choisissez le mode de paiement."
    if mode == ModePaiement.BONS and not numeros_bons.strip():
        erreurs["numeros_bons"] = "Indiquez les numéros des bons remis."
    if date_paiement > timezone.localdate():
        erreurs["date_paiement"] = "La date de paiement ne peut pas être dans le futur."
    if date_paiement < timezone.localtime(decision.decide_le).date():
        erreurs["date_paiement"] = "Le paiement ne peut pas précéder la décision."
    if erreurs:
        raise ValidationError(erreurs)
    if budget is not None and not malgre_depassement:
        c = budgets.chiffres(budget)
        if c.paye + montant > c.vote:
            raise ValidationError(
                {
                    "malgre_depassement": (
                        f"Déjà {euros(c.paye)} payés sur {euros(c.vote)} votés : ce paiement "
                        "dépasserait le budget. Cochez la case pour payer quand même."
                    )
                }
            )
    paiement = Paiement.objects.create(
        decision=decision,
        montant=montant,
        mode=mode,
        destinataire=destinataire.strip(),
        date_paiement=date_paiement,
        reference=reference.strip(),
        numeros_bons=numeros_bons.strip(),
        enregistre_par=agent,
    )
    if deja + montant == decision.montant:
        Demande.objects.filter(pk=decision.demande_id).update(
            etat=EtatDemande.PAYEE, modifie_le=timezone.now()
        )
    journaliser(
        agent=agent,
        action=ActionJournal.CREATION,
        objet=paiement,
        details={"decision": decision.pk, "montant": str(montant), "mode": mode},
    )
    return paiement
