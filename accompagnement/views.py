from django.shortcuts import render
from django.views.decorators.http import require_GET

from accompagnement.filters import PortefeuilleFilter
from accompagnement.selectors import portefeuille
from ccas_portal import perms
from ccas_portal.decorators import permission_requise
from ccas_portal.pagination import paginer

PAR_PAGE = 25


@require_GET
@permission_requise(perms.peut_accompagner)
def mes_accompagnements(request):
    """Le portefeuille du travailleur social : filtres, tri, pagination."""
    filtre = PortefeuilleFilter(
        request.GET or None,
        queryset=portefeuille(request.user).order_by("-date_ouverture", "-id"),
        agent=request.user,
    )
    page = paginer(filtre.qs, request.GET.get("page"), par_page=PAR_PAGE)
    parametres = request.GET.copy()
    parametres.pop("page", None)
    return render(
        request,
        "accompagnement/mes_accompagnements.html",
        {"filtre": filtre, "page": page, "parametres": parametres.urlencode()},
    )
