"""Des foyers du portail aux entités d'OpenFisca-France.

Règles de correspondance (documentées dans docs/detection.md, testées) :

- ménage OpenFisca = foyer du portail (un logement) : le demandeur en est la personne de
  référence, son conjoint le conjoint, les enfants de moins de 25 ans les enfants, tous les
  autres des « autres » ;
- famille (au sens de la CAF) et foyer fiscal : le demandeur et son conjoint, avec les enfants
  de moins de 25 ans (personnes à charge) ; un enfant de 25 ans ou plus et tout autre adulte
  (colocataire, ascendant hébergé…) forment leur propre famille et leur propre foyer fiscal ;
- revenus : l'historique va de janvier de l'année N-2 au mois cible ; chaque ressource datée
  couvre les mois de sa période ; un mois qu'aucune ressource ne couvre compte pour 0 (la
  période saisie fait foi : « perçue depuis le »). Les montants saisis sont nets ; les montants
  imposables et bruts s'en déduisent par les formules d'OpenFisca (`droits.detection.montants`) ;
- logement : le loyer en vigueur au mois cible (historique daté `PeriodeLoyer` : la période la
  plus récente commencée au plus tard le dernier jour du mois et pas close avant son premier
  jour ; un loyer saisi pour un mois ultérieur ne compte pas) vaut pour tout l'historique ; le
  statut d'occupation et la commune actuels de même ; taux d'incapacité actuel de même ;
- situation conjugale (`SituationConjugale`) en vigueur au mois cible (la plus récente commencée
  au plus tard le dernier jour du mois) et activité actuelle : de même, par `STATUTS_MARITAUX`
  et `ACTIVITES` ; sans situation conjugale utilisable, la règle par défaut d'OpenFisca (deux
  déclarants dans le foyer fiscal : pacsés, sinon célibataire).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from ccas_portal.dates import fin_du_mois
from ccas_portal.lectures import Lectures
from ccas_portal.lookups import Identifiants
from habitants.enums import Activite, RoleMembre, StatutMarital, StatutOccupation, TypeRessource
from habitants.models import (
    Foyer,
    Habitant,
    MembreFoyer,
    PeriodeLoyer,
    Ressource,
    SituationConjugale,
    SituationSante,
)

AGE_ENFANT_MAX = 25  # exclu : à 25 ans, un enfant forme sa propre famille

#: Statut d'occupation du portail → TypesStatutOccupationLogement d'OpenFisca.
STATUTS_OCCUPATION = {
    StatutOccupation.LOCATAIRE_SOCIAL: "locataire_hlm",
    StatutOccupation.LOCATAIRE_PRIVE: "locataire_vide",
    StatutOccupation.PROPRIETAIRE: "proprietaire",
    StatutOccupation.HEBERGE: "loge_gratuitement",
    StatutOccupation.HEBERGEMENT_URGENCE: "sans_domicile",
    StatutOccupation.SANS_DOMICILE: "sans_domicile",
    StatutOccupation.FOYER_RESIDENCE: "locataire_foyer",
    StatutOccupation.AUTRE: "non_renseigne",
}


#: Situation conjugale du portail → TypesStatutMarital d'OpenFisca (variable `statut_marital`,
#: individu, mensuelle). Pas de concubinage dans OpenFisca : un couple en concubinage, comme une
#: situation non renseignée, suit la règle par défaut (voir `statuts_maritaux`).
STATUTS_MARITAUX = {
    StatutMarital.MARIE: "marie",
    StatutMarital.PACSE: "pacse",
    StatutMarital.CELIBATAIRE: "celibataire",
    StatutMarital.DIVORCE: "divorce",
    StatutMarital.VEUF: "veuf",
}

#: Activité du portail → TypesActivite d'OpenFisca (variable `activite`, individu, mensuelle).
#: Sans activité renseignée : « inactif », la valeur par défaut d'OpenFisca.
ACTIVITES = {
    Activite.SALARIE: "actif",
    Activite.DEMANDEUR_EMPLOI: "chomeur",
    Activite.ETUDIANT: "etudiant",
    Activite.RETRAITE: "retraite",
    Activite.INVALIDE: "inactif",
    Activite.INACTIF: "inactif",
    Activite.ENFANT: "inactif",
}


@dataclass(frozen=True)
class Conversion:
    """Les variables OpenFisca d'une sorte de ressource : le montant net saisi, et l'imposable
    et le brut qu'OpenFisca en déduirait (`droits.detection.montants`)."""

    net: str
    imposable: str = ""
    brut: str = ""


#: Les « autres ressources », de nature inconnue, ne sont pas transmises à OpenFisca
#: (l'explication du signalement le dit).
CONVERSIONS = {
    TypeRessource.SALAIRE_NET: Conversion("salaire_net", "salaire_imposable", "salaire_de_base"),
    TypeRessource.CHOMAGE: Conversion("chomage_net", "chomage_imposable", "chomage_brut"),
    TypeRessource.RETRAITE: Conversion("retraite_nette", "retraite_imposable", "retraite_brute"),
    TypeRessource.PENSION_INVALIDITE: Conversion("pensions_invalidite"),
    TypeRessource.PENSION_ALIMENTAIRE: Conversion("pensions_alimentaires_percues"),
    TypeRessource.INDEMNITES_JOURNALIERES: Conversion("indemnites_journalieres_maladie"),
}

#: Toutes les variables de revenus qu'une conversion peut remplir.
VARIABLES_REVENUS = sorted(
    {v for c in CONVERSIONS.values() for v in (c.net, c.imposable, c.brut) if v}
)


@dataclass
class Personne:
    id: int
    date_naissance: date | None
    role: str
    taux_incapacite: int | None = None
    statut_marital: str = ""
    activite: str = ""
    #: (type, montant net mensuel, début, fin ou None)
    ressources: list[tuple[str, float, date, date | None]] = field(default_factory=list)

    def age(self, jour: date) -> int | None:
        if self.date_naissance is None:
            return None
        n = self.date_naissance
        return jour.year - n.year - ((jour.month, jour.day) < (n.month, n.day))

    def nets(self, mois: date) -> dict[str, float]:
        """Les montants nets de ce mois (premier jour du mois) de chaque sorte de ressource
        transmise à OpenFisca (`CONVERSIONS`)."""
        dernier_jour = fin_du_mois(mois)
        nets: dict[str, float] = {}
        for type_, montant, debut, fin in self.ressources:
            if type_ not in CONVERSIONS or debut > dernier_jour or (fin and fin < mois):
                continue
            nets[type_] = nets.get(type_, 0.0) + montant
        return nets


@dataclass
class FoyerSimule:
    id: int
    depcom: str
    statut_occupation: str
    loyer: float
    personnes: list[Personne]

    def ressources_du_mois(self, mois: date) -> float:
        """Les ressources nettes saisies du foyer pour le mois, arrondies au centime."""
        jour = fin_du_mois(mois)
        return round(
            sum(
                montant
                for p in self.personnes
                for _, montant, d, f in p.ressources
                if d <= jour and (f is None or f >= mois)
            ),
            2,
        )


@dataclass(frozen=True)
class Place:
    """Où une personne se range dans les entités OpenFisca de son foyer."""

    famille: str
    role_famille: str  # demandeur, conjoint, enfant
    foyer_fiscal: str
    role_foyer_fiscal: str  # declarant_principal, conjoint, personne_a_charge
    role_menage: str  # personne_de_reference, conjoint, enfant, autre


#: Les rôles des membres, en textes (comparer à un membre de l'énumération coûte six fois
#: plus : `composer` le fait pour chaque personne de chaque lot).
_DEMANDEUR, _CONJOINT, _ENFANT = (
    RoleMembre.DEMANDEUR.value,
    RoleMembre.CONJOINT.value,
    RoleMembre.ENFANT.value,
)


def composer(foyer: FoyerSimule, mois: date) -> list[tuple[Personne, Place]]:
    """Les entités OpenFisca du foyer : la règle unique, utilisée par le calcul vectorisé et
    par la situation de contrôle (un foyer à la fois). Les enfants à charge d'un foyer
    partagent la même place (immuable)."""
    personnes = foyer.personnes
    reference = next((p for p in personnes if p.role == _DEMANDEUR), personnes[0])
    conjoint = next(
        (p for p in personnes if p.role == _CONJOINT and p is not reference),
        None,
    )
    principale = f"{foyer.id}-0"
    places = []
    jour = fin_du_mois(mois)
    a_charge = None
    for personne in personnes:
        if personne is reference:
            place = Place(
                principale, "demandeur", principale, "declarant_principal", "personne_de_reference"
            )
        elif personne is conjoint:
            place = Place(principale, "conjoint", principale, "conjoint", "conjoint")
        elif personne.role == _ENFANT and (
            (age := personne.age(jour)) is None or age < AGE_ENFANT_MAX
        ):
            if a_charge is None:
                a_charge = Place(principale, "enfant", principale, "personne_a_charge", "enfant")
            place = a_charge
        else:
            propre = f"{foyer.id}-{personne.id}"
            place = Place(propre, "demandeur", propre, "declarant_principal", "autre")
        places.append((personne, place))
    return places


def statuts_maritaux(places: list[tuple[Personne, Place]]) -> list[str]:
    """La variable `statut_marital` d'OpenFisca de chaque personne : sa situation déclarée,
    sinon la règle de la formule d'OpenFisca (au moins deux déclarants dans son foyer fiscal :
    « pacse », sinon « celibataire »)."""
    declarants = Counter(
        place.foyer_fiscal
        for _, place in places
        if place.role_foyer_fiscal in ("declarant_principal", "conjoint")
    )
    return [
        STATUTS_MARITAUX.get(p.statut_marital)
        or ("pacse" if declarants[place.foyer_fiscal] >= 2 else "celibataire")
        for p, place in places
    ]


def activites(places: list[tuple[Personne, Place]]) -> list[str]:
    """La variable `activite` d'OpenFisca de chaque personne."""
    return [ACTIVITES.get(p.activite, "inactif") for p, _ in places]


def mois_historique(mois_cible: date) -> list[date]:
    """De janvier de l'année N-2 au mois cible inclus (premiers jours de mois)."""
    mois, fin = date(mois_cible.year - 2, 1, 1), date(mois_cible.year, mois_cible.month, 1)
    liste = []
    while mois <= fin:
        liste.append(mois)
        mois = date(mois.year + mois.month // 12, mois.month % 12 + 1, 1)
    return liste


def _en_vigueur_au_mois(lignes, mois: date) -> dict:
    """{clé: valeur} en vigueur au mois (premier jour) depuis des lignes (clé, début, fin ou
    None, valeur) : la période la plus récente commencée au plus tard le dernier jour du mois,
    si elle n'est pas close avant son premier jour."""
    dernier_jour = fin_du_mois(mois)
    retenues: dict = {}
    for cle, debut, fin, valeur in lignes:
        if debut <= dernier_jour and (cle not in retenues or debut > retenues[cle][0]):
            retenues[cle] = (debut, fin, valeur)
    return {cle: valeur for cle, (_, fin, valeur) in retenues.items() if fin is None or fin >= mois}


def _membres(ids: Identifiants) -> dict[int, list]:
    """{foyer : [(habitant, rôle)]} des membres actuels (sans jointure : leurs personnes sont
    lues ensuite, par `_personnes`)."""
    membres: dict[int, list] = {}
    # (Sans tri : chaque foyer range ses membres lui-même, dans `charger_foyers`.)
    for foyer_id, habitant_id, role in (
        MembreFoyer.objects.filter(foyer_id__parmi=ids, date_fin__isnull=True)
        .order_by()
        .values_list("foyer_id", "habitant_id", "role")
    ):
        membres.setdefault(foyer_id, []).append((habitant_id, role))
    return membres


def _personnes(habitants) -> dict[int, tuple]:
    """{habitant : (naissance, activité)} des membres actuels. Une personne anonymisée
    (conservation échue, effacement, opposition : ADR 0023) n'est plus simulée ; un foyer sans
    autre membre ne l'est plus du tout."""
    return {
        pk: (naissance, activite)
        for pk, naissance, activite in Habitant.objects.filter(
            pk__parmi=habitants, anonymise_le__isnull=True
        )
        .order_by()
        .values_list("pk", "date_naissance", "activite")
    }


def _maritaux(habitants, mois: date) -> dict:
    return _en_vigueur_au_mois(
        (
            (h, debut, None, statut)
            for h, debut, statut in SituationConjugale.objects.filter(
                habitant_id__parmi=habitants, date_debut__lte=fin_du_mois(mois)
            )
            .order_by("habitant_id", "-date_debut")  # pas l'ordre par nom : sans jointure
            .values_list("habitant_id", "date_debut", "statut")
        ),
        mois,
    )


def _loyers(ids: Identifiants, mois: date) -> dict:
    return _en_vigueur_au_mois(
        PeriodeLoyer.objects.filter(
            foyer_id__parmi=ids, date_debut__lte=fin_du_mois(mois)
        ).values_list("foyer_id", "date_debut", "date_fin", "loyer_mensuel"),
        mois,
    )


def _ressources(habitants) -> dict[int, list]:
    ressources: dict[int, list] = {}
    # L'ordre de chaque personne (sorte, début) sans celui des personnes par nom : sans
    # jointure avec les habitants ni tri de leurs noms (deux fois plus rapide).
    for r in (
        Ressource.objects.filter(habitant_id__parmi=habitants)
        .order_by("habitant_id", "type", "date_debut")
        .values_list("habitant_id", "type", "montant_mensuel", "date_debut", "date_fin")
    ):
        ressources.setdefault(r[0], []).append((r[1], float(r[2]), r[3], r[4]))
    return ressources


def _incapacites(habitants) -> dict:
    return dict(
        SituationSante.objects.filter(
            habitant_id__parmi=habitants, taux_incapacite__isnull=False
        ).values_list("habitant_id", "taux_incapacite")
    )


def _lignes_foyers(ids: Identifiants) -> list[tuple]:
    return list(
        Foyer.objects.filter(pk__parmi=ids)
        .order_by("pk")
        .values_list("pk", "code_insee", "statut_occupation")
    )


def charger_foyers(ids, mois_cible: date, lectures: Lectures | None = None) -> list[FoyerSimule]:
    """Les foyers `ids` et leurs membres actuels, ressources, taux d'incapacité, loyer et
    situation conjugale en vigueur au mois cible : sept requêtes pour tout un lot, en tuples
    (pas d'instances de modèles : c'est le chemin chaud de la détection), lancées ensemble
    quand c'est possible (`ccas_portal.lectures`).

    Les membres sont lus d'abord (pendant que partent loyers et foyers) ; les quatre lectures
    des personnes reçoivent ensuite leurs identifiants en un tableau. Une sous-requête des
    membres, refaite par chacune, portait les lectures d'un lot de 10 000 foyers à ≈ 0,32 s
    de travail de PostgreSQL (un parcours complet des 234 000 habitants, quatre fois celui
    des membres) ; avec le tableau, ≈ 0,23 s (`EXPLAIN ANALYZE` des lectures, planification
    comprise ; ADR 0040)."""
    lectures = lectures or Lectures()
    ids = Identifiants(ids)
    mois = mois_cible.replace(day=1)
    loyers = lectures.lancer(_loyers, ids, mois)
    lignes_foyers = lectures.lancer(_lignes_foyers, ids)
    membres = _membres(ids)
    habitants = Identifiants(h for actuels in membres.values() for h, _ in actuels)
    personnes = lectures.lancer(_personnes, habitants)
    ressources = lectures.lancer(_ressources, habitants)
    maritaux = lectures.lancer(_maritaux, habitants, mois)
    incapacites = lectures.lancer(_incapacites, habitants)
    personnes, ressources = personnes.result(), ressources.result()
    maritaux, incapacites, loyers = maritaux.result(), incapacites.result(), loyers.result()
    ordre_roles = {role: i for i, role in enumerate(RoleMembre.values)}
    resultat = []
    for pk, code_insee, statut in lignes_foyers.result():
        # Par rôle, puis par identifiant : des tuples triés tels quels, sans fonction de clé.
        actuels = sorted(
            (ordre_roles[role], habitant_id, role)
            for habitant_id, role in membres.get(pk, ())
            if habitant_id in personnes
        )
        if not actuels:
            continue
        resultat.append(
            FoyerSimule(
                id=pk,
                depcom=code_insee,
                statut_occupation=STATUTS_OCCUPATION.get(statut, "non_renseigne"),
                loyer=float(loyers.get(pk) or 0),
                personnes=[
                    Personne(
                        id=habitant_id,
                        date_naissance=personnes[habitant_id][0],
                        role=role,
                        taux_incapacite=incapacites.get(habitant_id),
                        statut_marital=maritaux.get(habitant_id, ""),
                        activite=personnes[habitant_id][1],
                        ressources=ressources.get(habitant_id, []),
                    )
                    for _, habitant_id, role in actuels
                ],
            )
        )
    return resultat
