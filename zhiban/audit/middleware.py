from zhiban.audit.trail import LazyActor, _actor
from zhiban.lib.addresses import client_ip


class AuditActorMiddleware:
    """Makes the signed-in person the actor of every write this request makes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _actor.set(LazyActor(request.user, client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            _actor.reset(token)
