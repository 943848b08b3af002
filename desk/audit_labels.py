"""What the desk's audit action codes mean (registered with ``audit.actions`` in
``DeskConfig.ready``). Codes are stored in histories: never rename one."""

LABELS = {
    "desk.user.invited": "invited a user",
    "desk.user.invitation_resent": "sent a new invitation link",
    "desk.user.invitation_accepted": "accepted the invitation and chose a password",
    "desk.user.password_reset": "reset their password with an e-mailed link",
    "desk.user.role_changed": "changed a user's role",
    "desk.user.deactivated": "deactivated a user",
    "desk.user.reactivated": "reactivated a user",
}
