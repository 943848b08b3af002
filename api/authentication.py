"""Who calls the API: a newsroom's program with ``Authorization: Bearer <token>``, or the
site's own JavaScript with the signed-in user's session (and Django's CSRF check)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from api import services


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer fcw_...``: the token's hash is looked up and compared in
    constant time; revoked tokens and deactivated users are refused (401)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as “Authorization: Bearer <token>”.")
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        token = services.token_find(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid or was revoked."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's account is deactivated."))
        services.token_touch(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes unauthenticated requests 401 (with this challenge) rather than 403.
        return f'{self.keyword} realm="api"'
