"""What the desk's audit action codes mean (registered with ``audit.actions`` in
``DeskConfig.ready``). Codes are stored in histories: never rename one."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "desk.user.invited": _("invited a user"),
    "desk.user.invitation_resent": _("sent a new invitation link"),
    "desk.user.invitation_accepted": _("accepted the invitation and chose a password"),
    "desk.user.password_reset": _("reset their password with an e-mailed link"),
    "desk.user.role_changed": _("changed a user's role"),
    "desk.user.deactivated": _("deactivated a user"),
    "desk.user.reactivated": _("reactivated a user"),
}
