from django.shortcuts import render
from django.views.decorators.http import require_GET

from ccas_portal import perms
from ccas_portal.decorators import permission_requise


@require_GET
@permission_requise(perms.peut_accompagner)
def mes_accompagnements(request):
    """Le portefeuille du travailleur social."""
    return render(
        request, "accompagnement/mes_accompagnements.html", {"sites": request.user.sites.all()}
    )
