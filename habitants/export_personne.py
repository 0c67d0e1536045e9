"""Droit d'accès (RGPD art. 15) : tout ce que le portail tient sur une personne.

`donnees_de_la_personne` rassemble, section par section, l'identité, l'information et la
réponse au contact (avec leur historique), puis chaque sorte de lignes de l'inventaire
`fusion.LIENS` (le seul inventaire de ce qui désigne une personne : `SECTIONS_LIENS` en
donne la lecture ; un lien nouveau sans lecture fait échouer l'export et les tests), les
foyers et leurs loyers, les signalements de ses foyers, et la liste des accès à son dossier
relevés par le journal. Les fichiers des pièces qui la concernent sont joints à l'archive ZIP
(`pieces/`). Deux rendus des mêmes données : un PDF lisible (fpdf2, polices
DejaVu livrées avec le code, ADR 0023) et une archive ZIP de JSON (une section par fichier,
plus le PDF). L'export est journalisé par la vue (`ActionJournal.EXPORT`).
"""

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accompagnement.services import types_intervention
from ccas_portal.formats import euros
from ccas_portal.models import EntreeJournal
from ccas_portal.pdf import document
from ccas_portal.selectors_journal import q_entrees_concernant
from droits.documents import stockage
from droits.models import Document, Signalement
from habitants.enums import EtatConsentement
from habitants.fusion import LIENS, _lignes
from habitants.models import Habitant, MembreFoyer


@dataclass
class Section:
    cle: str
    titre: str
    #: Une entrée par ligne : {libellé : valeur} (dates, montants, textes, listes de textes).
    entrees: list[dict] = field(default_factory=list)
    vide: str = "Aucune donnée."


def _jour(d):
    return timezone.localtime(d) if isinstance(d, datetime) else d


def _choix(objet, champ):
    return getattr(objet, f"get_{champ}_display")() if getattr(objet, champ) else None


# --- Lecture de chaque lien de l'inventaire ----------------------------------------------


def _passages(lignes, habitant):
    return [
        {
            "date et heure": _jour(p.date_heure),
            "site": str(p.site),
            "mode": p.get_mode_display(),
            "motifs": [str(m) for m in p.motifs.all()],
            "réponse apportée": p.get_reponse_display(),
            "partenaire": str(p.partenaire) if p.partenaire else None,
            "note": p.note,
        }
        for p in lignes.select_related("site", "partenaire")
        .prefetch_related("motifs")
        .order_by("date_heure")
    ]


def _appartenances(lignes, habitant):
    entrees = []
    for m in lignes.select_related("foyer", "foyer__site").order_by("date_debut"):
        f = m.foyer
        entrees.append(
            {
                "foyer": f"n° {f.pk}",
                "adresse": f"{f}",
                "site du foyer": str(f.site),
                "rôle": m.get_role_display(),
                "depuis le": m.date_debut,
                "jusqu'au": m.date_fin,
                "statut d'occupation": _choix(f, "statut_occupation"),
                "loyers": [
                    f"{euros(p.loyer_mensuel)} (charges "
                    f"{euros(p.charges_mensuelles) if p.charges_mensuelles is not None else '—'})"
                    f" du {p.date_debut:%d/%m/%Y}"
                    + (f" au {p.date_fin:%d/%m/%Y}" if p.date_fin else "")
                    for p in f.loyers.order_by("date_debut")
                ],
            }
        )
    return entrees


def _ressources(lignes, habitant):
    return [
        {
            "nature": r.nature,
            "montant mensuel": r.montant_mensuel,
            "perçue depuis le": r.date_debut,
            "jusqu'au": r.date_fin,
        }
        for r in lignes.order_by("date_debut")
    ]


def _situations_conjugales(lignes, habitant):
    return [
        {"situation conjugale": s.get_statut_display(), "depuis le": s.date_debut}
        for s in lignes.order_by("date_debut")
    ]


def _sante(lignes, habitant):
    return [
        {
            "taux d'incapacité (%)": s.taux_incapacite,
            "reconnaissance MDPH": s.reconnaissance_mdph,
            "date de la reconnaissance MDPH": s.date_reconnaissance_mdph,
        }
        for s in lignes
    ]


def _type_intervention(intervention) -> str:
    axe = intervention.accompagnement.axe_id
    return types_intervention(axe).get(intervention.type, intervention.type)


def _accompagnements(lignes, habitant):
    entrees = []
    for a in lignes.select_related("axe", "referent", "foyer").prefetch_related(
        "objectifs__actions", "interventions", "orientations__partenaire", "changements"
    ):
        entrees.append(
            {
                "axe": str(a.axe),
                "foyer": f"n° {a.foyer_id}",
                "référent": str(a.referent),
                "statut": a.get_statut_display(),
                "ouvert le": a.date_ouverture,
                "clos le": a.date_cloture,
                "motif de clôture": _choix(a, "motif_cloture"),
                "faits propres à l'axe": [f"{k} : {v}" for k, v in (a.faits or {}).items()],
                "plan d'action": [
                    f"{o.libelle} — {act.libelle} ({act.get_statut_display()})"
                    for o in a.objectifs.all()
                    for act in o.actions.all()
                ]
                + [o.libelle for o in a.objectifs.all() if not o.actions.all()],
                "changements de statut": [
                    f"{c.date:%d/%m/%Y} : {c.get_nouveau_display()}"
                    + (f" ({c.commentaire})" if c.commentaire else "")
                    for c in a.changements.all()
                ],
                "interventions": [
                    f"{i.date:%d/%m/%Y} — {_type_intervention(i)}"
                    + (f", {i.duree_minutes} min" if i.duree_minutes else "")
                    + (f", {i.lieu}" if i.lieu else "")
                    + (" (note confidentielle)" if i.confidentiel else "")
                    + (f" : {i.compte_rendu}" if i.compte_rendu else "")
                    for i in sorted(a.interventions.all(), key=lambda i: i.date)
                ],
                "orientations": [
                    f"{o.date:%d/%m/%Y} — {o.partenaire} : {o.motif} ({o.get_statut_display()})"
                    + (f", {o.resultat}" if o.resultat else "")
                    for o in a.orientations.all()
                ],
            }
        )
    return entrees


def _interventions(lignes, habitant):
    return [
        {
            "date": i.date,
            "type": _type_intervention(i),
            "accompagnement": str(i.accompagnement.axe),
            "durée (minutes)": i.duree_minutes,
        }
        for i in lignes.select_related("accompagnement__axe").order_by("date")
    ]


def _seances(lignes, habitant):
    return [
        {"date": s.date, "action collective": s.action.titre, "thème": s.theme, "lieu": str(s.site)}
        for s in lignes.select_related("action", "site").order_by("date")
    ]


def _prestations(lignes, habitant):
    return [
        {
            "prestation": str(p.prestation),
            "statut": p.get_statut_display(),
            "demandée le": p.date_demande,
            "versée depuis le": p.date_debut,
            "jusqu'au": p.date_fin,
            "montant mensuel": p.montant_mensuel,
            "source": p.get_source_display(),
            "note": p.note,
        }
        for p in lignes.select_related("prestation")
    ]


def _demandes_aide(lignes, habitant):
    return [
        {
            "demande": d.intitule,
            "objet": d.objet,
            "déposée le": d.date_depot,
            "montant demandé": d.montant_demande,
            "état": d.get_etat_display(),
            "décisions": [
                f"{x.decide_le:%d/%m/%Y} : {x.get_sens_display().lower()}"
                + (f", {euros(x.montant)}" if x.montant else "")
                for x in d.decisions.all()
            ],
        }
        for d in lignes.select_related("type_aide").prefetch_related("decisions")
    ]


def _demandes_partage(lignes, habitant):
    return [
        {
            "nature": d.get_nature_display(),
            "statut": d.get_statut_display(),
            "site demandeur": str(d.site_demandeur),
            "site sollicité": str(d.site_sollicite),
            "demandée le": _jour(d.demandee_le),
            "motif": d.motif,
        }
        for d in lignes.select_related("site_demandeur", "site_sollicite")
    ]


def _documents(lignes, habitant):
    return [
        {
            "type de pièce": d.get_type_piece_display(),
            "intitulé": d.intitule,
            "date du document": d.date_document,
            "foyer": f"n° {d.foyer_id}",
            "déposée le": _jour(d.depose_le),
            "déposée par": str(d.depose_par),
            "fichier": f"{d.nom_original} ({d.taille_lisible})",
            "dans l'archive ZIP": _nom_dans_archive(d),
        }
        for d in lignes.select_related("depose_par").order_by("depose_le", "pk")
    ]


def _nom_dans_archive(document) -> str:
    """Le chemin du fichier de la pièce dans l'archive ZIP du droit d'accès."""
    return f"pieces/{document.pk}-{document.nom_original}"


#: nature de `fusion.LIENS` → (titre de la section, lecture des lignes).
SECTIONS_LIENS = {
    "appartenances": ("Foyers et appartenances dans le temps", _appartenances),
    "ressources": ("Ressources", _ressources),
    "situations_conjugales": ("Situation conjugale (historique)", _situations_conjugales),
    "sante": ("Santé et handicap", _sante),
    "passages": ("Passages à l'accueil", _passages),
    "accompagnements": ("Accompagnements, interventions et orientations", _accompagnements),
    "interventions": ("Présences aux interventions", _interventions),
    "seances": ("Participations aux actions collectives", _seances),
    "prestations": ("Prestations demandées ou perçues", _prestations),
    "demandes_aide": ("Demandes d'aide au CCAS", _demandes_aide),
    "demandes_partage": ("Demandes de partage de son foyer entre sites", _demandes_partage),
    "documents": ("Pièces du dossier la concernant", _documents),
}


# --- Les sections hors inventaire ---------------------------------------------------------


def _identite(h: Habitant) -> Section:
    return Section(
        "identite",
        "Identité et coordonnées",
        [
            {
                "nom d'usage": h.nom_usage,
                "nom de naissance": h.nom_naissance,
                "prénoms": h.prenoms,
                "date de naissance": h.date_naissance,
                "sexe": _choix(h, "sexe"),
                "téléphone": h.telephone,
                "courriel": h.courriel,
                "adresse de contact": h.adresse_contact,
                "site de rattachement": str(h.site),
                "situation d'activité": _choix(h, "activite"),
                "inscrite au portail le": _jour(h.cree_le),
            }
        ],
    )


def _consentement(h: Habitant) -> Section:
    libelles = dict(EtatConsentement.choices)
    historique = [
        f"{_jour(e.horodatage):%d/%m/%Y} : "
        f"{libelles.get(e.details['consentement'].get('avant'), '—').lower()} → "
        f"{libelles.get(e.details['consentement'].get('apres'), '—').lower()}"
        for e in EntreeJournal.objects.filter(
            objet_type="habitants.habitant", objet_id=str(h.pk), details__has_key="consentement"
        ).order_by("horodatage")
    ]
    return Section(
        "consentement",
        "Information sur le traitement et contact au sujet de droits repérés",
        [
            {
                "informée du traitement le": h.date_information,
                "informée par": str(h.informe_par) if h.informe_par else None,
                "contact au sujet de droits repérés": h.get_consentement_display(),
                "date de la réponse": h.date_consentement,
                "historique des réponses": historique,
            }
        ],
    )


def _foyers_de(h: Habitant):
    return MembreFoyer.objects.filter(habitant=h).values("foyer_id")


def _signalements(h: Habitant) -> Section:
    entrees = [
        {
            "foyer": f"n° {s.foyer_id}",
            "droit probable": str(s.prestation),
            "montant mensuel estimé": s.montant_estime,
            "repéré le": _jour(s.cree_le),
            "état": s.get_etat_display(),
            "changements d'état": [
                f"{_jour(c.le):%d/%m/%Y} : {c.get_nouveau_display()}"
                + (f" ({c.commentaire})" if c.commentaire else "")
                for c in s.changements.all()
            ],
        }
        for s in Signalement.objects.filter(foyer__in=_foyers_de(h))
        .select_related("prestation")
        .prefetch_related("changements")
        .order_by("cree_le")
    ]
    return Section("signalements", "Signalements de droits probables (non-recours)", entrees)


def _acces(h: Habitant) -> Section:
    """Les accès à son dossier relevés par le journal, tels que les définit
    `selectors_journal.q_entrees_concernant` (sa fiche ; le dossier, les accompagnements, les
    signalements et les pièces de ses foyers) : qui, quand, quoi ; pas les détails, qui
    nomment d'autres personnes."""
    noms = {
        "droits.document": "une pièce de son dossier",
        "droits.signalement": "un signalement de son foyer",
        "habitants.habitant": "sa fiche",
        "habitants.foyer": "le dossier de son foyer",
        "accompagnement.accompagnement": "un accompagnement",
    }
    entrees = [
        {
            "date et heure": _jour(e.horodatage),
            "agent": e.agent_libelle,
            "action": e.get_action_display(),
            "objet": noms.get(e.objet_type, e.objet_type),
        }
        for e in EntreeJournal.objects.filter(q_entrees_concernant([h.pk])).order_by(
            "horodatage", "id"
        )
    ]

    return Section(
        "acces",
        "Accès à son dossier (journal des accès, gardé "
        f"{settings.JOURNAL_CONSERVATION_JOURS} jours)",
        entrees,
        vide="Aucun accès relevé.",
    )


def donnees_de_la_personne(habitant: Habitant) -> list[Section]:
    inconnus = [lien.nature for lien in LIENS if lien.nature not in SECTIONS_LIENS]
    if inconnus:
        raise RuntimeError(f"L'export ne sait pas lire : {', '.join(inconnus)}.")
    sections = [_identite(habitant), _consentement(habitant)]
    liens = {lien.nature: lien for lien in LIENS}
    for nature, (titre, lire) in SECTIONS_LIENS.items():
        sections.append(Section(nature, titre, lire(_lignes(liens[nature], habitant), habitant)))
    sections += [_signalements(habitant), _acces(habitant)]
    return sections


# --- Les deux rendus ----------------------------------------------------------------------


def _lisible(valeur) -> str:
    if valeur is None or valeur == "" or valeur == []:
        return "—"
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, datetime):
        return f"{valeur:%d/%m/%Y à %H:%M}"
    if isinstance(valeur, date):
        return f"{valeur:%d/%m/%Y}"
    if isinstance(valeur, Decimal):
        return euros(valeur)
    return str(valeur)


def en_pdf(habitant: Habitant, sections: list[Section], *, produit_par: str) -> bytes:
    pdf = document(f"Données personnelles — fiche n° {habitant.pk}")
    largeur = pdf.epw
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(
        largeur, 8, "Vos données personnelles tenues par le CCAS", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(
        largeur,
        5,
        f"{habitant.prenoms} {habitant.nom_usage} — fiche n° {habitant.pk}. "
        f"Document produit le {timezone.localtime():%d/%m/%Y à %H:%M} par {produit_par}, "
        "au titre du droit d'accès (RGPD, article 15). Les mêmes données figurent dans "
        "l'archive ZIP (fichiers JSON).",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for section in sections:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 13)
        pdf.multi_cell(largeur, 7, section.titre, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        if not section.entrees:
            pdf.multi_cell(largeur, 5, section.vide, new_x="LMARGIN", new_y="NEXT")
            continue
        for n, entree in enumerate(section.entrees):
            if n:
                pdf.ln(1.5)
            for libelle, valeur in entree.items():
                if isinstance(valeur, list):
                    texte = f"{libelle} : " + (
                        "\n  • " + "\n  • ".join(map(str, valeur)) if valeur else "—"
                    )
                else:
                    texte = f"{libelle} : {_lisible(valeur)}"
                pdf.multi_cell(largeur, 4.6, texte, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def en_archive(habitant: Habitant, sections: list[Section], pdf: bytes) -> bytes:
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as archive:
        sommaire = {
            "fiche": habitant.pk,
            "produit_le": timezone.localtime().isoformat(),
            "sections": [
                {"fichier": f"{i:02d}-{s.cle}.json", "titre": s.titre, "entrees": len(s.entrees)}
                for i, s in enumerate(sections, start=1)
            ],
        }
        archive.writestr("sommaire.json", _json(sommaire))
        for i, s in enumerate(sections, start=1):
            archive.writestr(
                f"{i:02d}-{s.cle}.json", _json({"titre": s.titre, "entrees": s.entrees})
            )
        archive.writestr(f"donnees-personne-{habitant.pk}.pdf", pdf)
        _joindre_pieces(archive, habitant)
    return tampon.getvalue()


def _joindre_pieces(archive: zipfile.ZipFile, habitant: Habitant) -> None:
    """Les fichiers des pièces qui la concernent (10 Mo au plus chacune) : un fichier absent
    du stockage est dit dans `pieces/absentes.txt` plutôt que de faire échouer l'export."""
    absentes = []
    for piece in Document.objects.filter(personne=habitant).order_by("depose_le", "pk"):
        try:
            with stockage().open(piece.fichier, "rb") as fichier:
                archive.writestr(_nom_dans_archive(piece), fichier.read())
        except OSError:
            absentes.append(f"{piece} ({piece.nom_original}) : fichier introuvable")
    if absentes:
        archive.writestr("pieces/absentes.txt", "\n".join(absentes) + "\n")


def _json(donnees) -> str:
    return json.dumps(donnees, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
