"""La file de travail des signalements (haut de la pile, docs/architecture.md « Couches ») :
elle croise les signalements (`droits`) et les accompagnements en cours (`accompagnement`),
deux applications qui s'ignorent, pour dire à qui revient chaque signalement. La lisent la
file `/droits/signalements/`, la page d'un signalement et le portefeuille du travailleur
social."""

from django.db.models import F, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from accompagnement.enums import StatutAccompagnement
from accompagnement.models import Accompagnement
from droits.enums import ETATS_OUVERTS
from droits.models import Signalement
from habitants.enums import RoleMembre
from habitants.models import MembreFoyer


def avec_responsable(signalements):
    """Annote `referent_id` (le référent d'un accompagnement non clos du foyer, celui de
    l'axe de la prestation d'abord, puis le plus récent) et `responsable_id` : l'agent
    à qui le signalement est attribué, ou par défaut ce référent (None : personne)."""
    en_cours = (
        Accompagnement.objects.filter(foyer_id=OuterRef("foyer_id"))
        .exclude(statut=StatutAccompagnement.CLOS)
        .order_by("-date_ouverture", "-pk")
        .values("referent_id")
    )
    referent = Coalesce(
        Subquery(en_cours.filter(axe_id=OuterRef("prestation__axe_id"))[:1]),
        Subquery(en_cours[:1]),
        output_field=IntegerField(),
    )
    return signalements.annotate(referent_id=referent).annotate(
        responsable_id=Coalesce(F("attribue_a_id"), F("referent_id"), output_field=IntegerField())
    )


def _demandeurs():
    """Le demandeur actuel de chaque foyer (`foyer.demandeurs`, une requête pour la page)."""
    return Prefetch(
        "foyer__membres",
        queryset=MembreFoyer.objects.filter(
            date_fin__isnull=True, role=RoleMembre.DEMANDEUR
        ).select_related("habitant"),
        to_attr="demandeurs",
    )


def file_de_travail(agent):
    """Les signalements que l'agent voit (`visibles_par`), rangés par la valeur documentée de
    ce que le droit apporte (`apport_mensuel`, docs/detection.md), avec leur responsable
    (`responsable_id` : attribué, ou le référent du foyer) et le demandeur de chaque foyer."""
    return (
        avec_responsable(Signalement.objects.visibles_par(agent).avec_apport())
        .select_related("prestation__axe", "foyer__site", "prestation_foyer")
        .prefetch_related(_demandeurs())
        .order_by("-apport_mensuel", "-cree_le", "-pk")
    )


#: Combien de signalements le portefeuille montre (les autres : lien vers la file filtrée).
SIGNALEMENTS_AU_PORTEFEUILLE = 5


def signalements_a_traiter(agent) -> dict:
    """Pour le portefeuille : les signalements ouverts attribués à l'agent (ou dont il est le
    référent du foyer, par défaut), les premiers de la file et leur nombre."""
    qs = file_de_travail(agent).filter(etat__in=ETATS_OUVERTS, responsable_id=agent.pk)
    premiers = list(qs[:SIGNALEMENTS_AU_PORTEFEUILLE])
    peu = len(premiers) < SIGNALEMENTS_AU_PORTEFEUILLE
    nombre = len(premiers) if peu else qs.count()
    return {"signalements_a_moi": premiers, "nombre_signalements_a_moi": nombre}
