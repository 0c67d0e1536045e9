from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied


def permission_requise(predicat: Callable[..., bool]):
    """Réserve une vue aux agents pour qui `predicat(agent)` est vrai (sinon 403).

    La connexion, elle, est déjà exigée partout par LoginRequiredMiddleware.
    """

    def decorateur(vue):
        @wraps(vue)
        def vue_protegee(request, *args, **kwargs):
            if not predicat(request.user):
                raise PermissionDenied
            return vue(request, *args, **kwargs)

        return vue_protegee

    return decorateur
