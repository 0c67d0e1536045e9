"""Les documents de la commission : lettre de décision (PDF) et procès-verbal de séance."""

from django.utils import timezone

from ccas_portal.formats import euros
from ccas_portal.pdf import document, en_octets, paragraphe, titre
from droits.instruction.enums import SensDecision


def _destinataire(demande) -> str:
    b = demande.beneficiaire
    nom = f"{b.prenoms} {b.nom_usage}" if b else "Madame, Monsieur"
    f = demande.foyer
    return f"{nom}\n{f.adresse}\n{f.code_postal} {f.commune}"


def lettre_de_decision(decision) -> bytes:
    demande = decision.demande
    pdf = document(f"Décision sur la demande n° {demande.pk}")
    paragraphe(pdf, "Centre communal d'action sociale", gras=True)
    paragraphe(pdf, f"Le {timezone.localtime(decision.decide_le):%d/%m/%Y}")
    pdf.ln(4)
    paragraphe(pdf, _destinataire(demande))
    pdf.ln(6)
    titre(pdf, f"Objet : votre demande de {demande.intitule.lower()}", 13)
    pdf.ln(2)
    instance = (
        "le directeur du CCAS, en urgence"
        if decision.urgence
        else f"la commission des aides facultatives réunie le {decision.seance.date:%d/%m/%Y}"
    )
    paragraphe(
        pdf,
        f"Votre demande n° {demande.pk} du {demande.date_depot:%d/%m/%Y} ({demande.objet}) a été "
        f"examinée par {instance}, selon le règlement des aides facultatives en vigueur au "
        f"{decision.reglement.date_effet:%d/%m/%Y}.",
    )
    pdf.ln(2)
    if decision.sens == SensDecision.ACCORDEE:
        paragraphe(
            pdf,
            f"Décision : une aide de {euros(decision.montant)} vous est accordée "
            f"({decision.get_mode_paiement_display().lower()}).",
            gras=True,
        )
        if demande.type_aide and demande.type_aide.remboursable:
            paragraphe(pdf, "Cette aide est un prêt : un échéancier de remboursement suivra.")
    elif decision.sens == SensDecision.AJOURNEE:
        paragraphe(pdf, "Décision : l'examen de votre demande est ajourné.", gras=True)
        paragraphe(pdf, f"Il manque : {decision.complement}")
    else:
        paragraphe(pdf, "Décision : votre demande est refusée.", gras=True)
        paragraphe(pdf, f"Motif : {decision.motif_refus.libelle}")
        if decision.complement:
            paragraphe(pdf, decision.complement)
        pdf.ln(2)
        paragraphe(pdf, "Voies de recours", gras=True)
        paragraphe(pdf, decision.reglement.voies_de_recours)
    pdf.ln(6)
    paragraphe(
        pdf,
        "Votre travailleur social reste à votre disposition pour toute question. "
        "Veuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    )
    return en_octets(pdf)


def proces_verbal(seance, decisions, urgences) -> tuple[str, bytes]:
    """Le texte du procès-verbal (identités pseudonymisées) et son PDF."""
    lignes = [
        f"Procès-verbal de la commission des aides facultatives du {seance.date:%d/%m/%Y}",
        f"Lieu : {seance.lieu or 'non précisé'}",
        "Membres présents : " + ", ".join(seance.liste_membres),
        "",
        "Décisions en séance :",
    ]
    for d in decisions:
        lignes.append(f"- {_ligne(d)}")
    if not decisions:
        lignes.append("- aucune")
    lignes += ["", "Décisions d'urgence du directeur portées à la connaissance de la commission :"]
    for d in urgences:
        lignes.append(f"- {_ligne(d)} (le {timezone.localtime(d.decide_le):%d/%m/%Y})")
    if not urgences:
        lignes.append("- aucune")
    texte = "\n".join(lignes)
    pdf = document(lignes[0])
    titre(pdf, lignes[0], 14)
    pdf.ln(2)
    paragraphe(pdf, "\n".join(lignes[1:]))
    return texte, en_octets(pdf)


def _ligne(d) -> str:
    base = f"{d.demande.pseudonyme}, {d.demande.intitule} : {d.get_sens_display().lower()}"
    if d.sens == SensDecision.ACCORDEE:
        return f"{base}, {euros(d.montant)} ({d.get_mode_paiement_display().lower()})"
    if d.sens == SensDecision.REFUSEE:
        return f"{base} — motif : {d.motif_refus.libelle}"
    return f"{base} — il manque : {d.complement}"
