"""Un règlement des aides facultatives plausible (types, motifs de refus) et ses budgets :
pour la démonstration et les tests. L'administrateur en tient la vraie version dans
l'administration."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ccas_portal.models import Agent
from droits.instruction import services
from droits.instruction.enums import ModePaiement, NatureDemande, SensDecision
from droits.instruction.evaluation import age_a
from droits.instruction.models import Budget, Demande, MotifRefus, Reglement, TypeAide
from droits.models import Prestation
from habitants.models import Foyer

P, C, B = ModePaiement.PERSONNE, ModePaiement.CREANCIER, ModePaiement.BONS

#: code, intitulé, axe, seuil de reste à vivre par UC, âges, plafonds, modes, urgence, prêt
TYPES = (
    ("secours_urgence", "Secours d'urgence", "existence", 400, None, None, 300, 600, [P, B], True),
    (
        "aide_alimentaire",
        "Aide alimentaire (bons)",
        "existence",
        450,
        None,
        None,
        150,
        600,
        [B],
        True,
    ),
    ("energie", "Aide énergie (fournisseur)", "logement", 500, None, None, 400, 400, [C], False),
    (
        "impayes_loyer",
        "Impayés de loyer (bailleur)",
        "logement",
        500,
        None,
        None,
        800,
        800,
        [C],
        False,
    ),
    (
        "jeunes_adultes",
        "Aide jeunes adultes 18–25 ans",
        "existence",
        500,
        18,
        25,
        500,
        1500,
        [P, B],
        True,
    ),
    ("pret", "Prêt remboursable", "existence", 700, None, None, 1000, 1000, [P, C], False),
)

MOTIFS = (
    "Reste à vivre supérieur au seuil fixé par le règlement",
    "Plafond d'aides sur 12 mois atteint",
    "Résidence hors de la commune",
    "Un dispositif de droit commun doit être sollicité en priorité",
    "Pièces justificatives non fournies après ajournement",
)

BUDGETS = {
    "secours_urgence": 20000,
    "aide_alimentaire": 15000,
    "energie": 12000,
    "impayes_loyer": 18000,
    "jeunes_adultes": 25000,
    "pret": 10000,
}


@transaction.atomic
def creer_reglement(
    *, date_effet: date = date(2026, 1, 1), code_insee: str = "38185", annee: int | None = None
) -> Reglement:
    """Le règlement (s'il n'existe pas à cette date), ses types, ses motifs et les budgets de
    l'année `annee` (celle de la date d'effet par défaut)."""
    reglement, cree = Reglement.objects.get_or_create(
        date_effet=date_effet,
        defaults={
            "libelle": "Règlement des aides facultatives",
            "vote_le": date(date_effet.year - 1, 12, 15),
            "code_insee_commune": code_insee,
        },
    )
    if cree:
        jeunes = Prestation.objects.filter(code="aide_facultative_jeunes").first()
        for code, libelle, axe, seuil, amin, amax, plafond, p12, modes, urgence in TYPES:
            TypeAide.objects.create(
                reglement=reglement,
                code=code,
                libelle=libelle,
                axe_id=axe,
                prestation=jeunes if code == "jeunes_adultes" else None,
                remboursable=code == "pret",
                seuil_reste_a_vivre_uc=Decimal(seuil),
                age_min=amin,
                age_max=amax,
                plafond_demande=Decimal(plafond),
                plafond_12_mois=Decimal(p12),
                modes_paiement=[str(m) for m in modes],
                urgence_possible=urgence,
            )
        for ordre, libelle in enumerate(MOTIFS):
            MotifRefus.objects.create(reglement=reglement, libelle=libelle, ordre=ordre)
    for code, vote in BUDGETS.items():
        Budget.objects.get_or_create(
            annee=annee or date_effet.year,
            code_type=code,
            site=None,
            defaults={"vote": Decimal(vote)},
        )
    return reglement


@transaction.atomic
def creer_demandes(*, graine: int = 1) -> dict[str, int]:
    """Quelques demandes plausibles sur les foyers des sites du travailleur social de
    démonstration, passées par les services : instruites, présentées, une séance close
    (accord, refus, ajournement), une décision d'urgence, un paiement ; deux dossiers d'aide
    sociale (l'un en retard) et un accompagnement de demande de logement social."""
    jour = timezone.localdate()
    reglement = Reglement.en_vigueur(jour) or creer_reglement(date_effet=date(jour.year, 1, 1))
    creer_reglement(date_effet=reglement.date_effet, annee=jour.year)  # budgets de l'année
    ts = Agent.objects.filter(username="travailleur").first()
    directeur = Agent.objects.filter(username="responsable").first()
    finances = Agent.objects.filter(username="finances").first()
    if not (ts and directeur and finances):
        return {"demandes": 0}
    hasard = random.Random(graine)
    foyers = list(
        Foyer.objects.visibles_par(ts)
        .filter(membres__date_fin__isnull=True, code_insee=reglement.code_insee_commune)
        .distinct()
        .order_by("pk")[:200]
    )
    hasard.shuffle(foyers)

    def membre(f, *, jeune=False):
        for m in f.membres.filter(date_fin__isnull=True).select_related("habitant"):
            age = age_a(m.habitant.date_naissance, jour)
            if not jeune or (age is not None and 18 <= age <= 25):
                return m.habitant
        return None

    types = {t.code: t for t in reglement.types.all()}
    faites = []
    plan = [
        ("secours_urgence", "Courses de première nécessité après une rupture de droits", 200),
        ("aide_alimentaire", "Bons alimentaires pour deux semaines", 120),
        ("energie", "Facture d'électricité impayée (fournisseur)", 350),
        ("impayes_loyer", "Deux mois de loyer impayés, bailleur social", 700),
        ("jeunes_adultes", "Permis de conduire pour un emploi saisonnier", 400),
        ("pret", "Caution d'un nouveau logement", 800),
        ("energie", "Régularisation de gaz", 250),
    ]
    utilises = set()
    for code, objet, montant in plan:
        for f in foyers:
            beneficiaire = None if f.pk in utilises else membre(f, jeune=code == "jeunes_adultes")
            if beneficiaire is None:
                continue
            utilises.add(f.pk)
            faites.append(
                services.creer_demande(
                    agent=ts,
                    foyer=f,
                    beneficiaire=beneficiaire,
                    nature=NatureDemande.FACULTATIVE,
                    type_aide=types[code],
                    montant_demande=Decimal(montant),
                    objet=objet,
                    date_depot=jour - timedelta(days=hasard.randint(3, 20)),
                )
            )
            break
    if len(faites) < 5:
        return {"demandes": len(faites)}
    # Urgence : le secours et les bons, décidés par le directeur.
    urgence = services.decider(
        agent=directeur,
        demande=faites[0],
        sens=SensDecision.ACCORDEE,
        montant=Decimal("200"),
        mode_paiement="personne",
        malgre_depassement=True,
    )
    services.enregistrer_paiement(
        agent=finances,
        decision=urgence,
        montant=Decimal("200"),
        mode="personne",
        destinataire=f"{faites[0].beneficiaire.prenoms} {faites[0].beneficiaire.nom_usage}",
        date_paiement=jour,
        reference="MANDAT-DEMO-1",
        malgre_depassement=True,
    )
    services.decider(
        agent=directeur,
        demande=faites[1],
        sens=SensDecision.ACCORDEE,
        montant=Decimal("120"),
        mode_paiement="bons",
        malgre_depassement=True,
    )
    # Une séance close : accord, refus, ajournement.
    for d in faites[2:]:
        services.presenter_en_commission(agent=ts, demande=d)
    seance = services.creer_seance(
        agent=directeur,
        date=jour - timedelta(days=1),
        lieu="Salle du conseil d'administration",
        membres="Mme la vice-présidente du CCAS\nM. l'administrateur délégué\nMme la directrice",
    )
    services.decider(
        agent=directeur,
        demande=faites[2],
        seance=seance,
        sens=SensDecision.ACCORDEE,
        montant=Decimal("350"),
        mode_paiement="creancier",
        malgre_depassement=True,
    )
    services.decider(
        agent=directeur,
        demande=faites[3],
        seance=seance,
        sens=SensDecision.AJOURNEE,
        complement="Plan d'apurement proposé par le bailleur",
    )
    services.decider(
        agent=directeur,
        demande=faites[4],
        seance=seance,
        sens=SensDecision.REFUSEE,
        motif_refus=reglement.motifs_refus.order_by("ordre")[3],
        complement="Solliciter d'abord l'aide au permis de la Mission locale.",
    )
    services.cloturer_seance(agent=directeur, seance=seance)
    # Aide sociale légale (une en retard) et logement social.
    restants = [f for f in foyers if not f.demandes.exists()][:3]
    for n, f in enumerate(restants):
        b = membre(f)
        if b is None:
            continue
        if n < 2:
            services.creer_demande(
                agent=ts,
                foyer=f,
                beneficiaire=b,
                nature=NatureDemande.AIDE_SOCIALE_LEGALE,
                dispositif="ash" if n == 0 else "aide_menagere",
                objet="Entrée en établissement" if n == 0 else "Aide ménagère à domicile",
                date_depot=jour - timedelta(days=45 if n == 0 else 8),
                champs={"etablissement": "EHPAD Les Alpins"} if n == 0 else {},
            )
        else:
            services.creer_demande(
                agent=ts,
                foyer=f,
                beneficiaire=b,
                nature=NatureDemande.LOGEMENT_SOCIAL,
                objet="Logement plus petit et moins cher",
                champs={"typologie": "T2", "communes_souhaitees": "Grenoble, Échirolles"},
            )

    return {"demandes": Demande.objects.count()}
