"""Log account lockouts from django-axes in the audit trail."""

from axes.signals import user_locked_out
from django.dispatch import receiver

from kanyle.audit.services import Actor, audit_record


@receiver(user_locked_out)
def log_lockout(sender, request, username, ip_address, **kwargs) -> None:
    audit_record(
        actor=Actor.from_request(request) if request is not None else Actor(user=None, ip_address=ip_address),
        action="auth.login.locked_out",
        detail=str(username or "")[:150],
        flagged=True,
    )
