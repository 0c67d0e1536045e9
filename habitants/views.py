from django.shortcuts import render
from django.views.decorators.http import require_GET

from ccas_portal import perms
from ccas_portal.decorators import permission_requise


@require_GET
@permission_requise(perms.peut_tenir_le_guichet)
def guichet(request):
    """L'accueil du public des Maisons des Habitants de l'agent."""
    return render(request, "habitants/guichet.html", {"sites": request.user.sites.all()})
