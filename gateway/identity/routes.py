"""Identity endpoints: sign-up, OTP, login, refresh, logout, client credentials, /me, JWKS."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from flask.views import MethodView

from gateway import notify
from gateway.auth import current_principal, keyring
from gateway.db import UnitOfWork
from gateway.errors import Unauthorized
from gateway.extensions import Api, Blueprint, limiter
from gateway.identity import schemas as s
from gateway.identity import service
from gateway.logs import mask_phone

auth_blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign-up, login and tokens")
me_blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The signed-in citizen")

SIGNUP_LIMIT = "5/minute;30/hour"
LOGIN_LIMIT = "10/minute;100/hour"
OTP_LIMIT = "10/minute;60/hour"


@auth_blp.route("/signup")
class Signup(MethodView):
    decorators = [limiter.limit(SIGNUP_LIMIT)]

    @auth_blp.public
    @auth_blp.arguments(s.SignupSchema)
    @auth_blp.response(202, s.ChallengeSchema)
    @auth_blp.alt_response(409, description="An account exists for this NIK or phone")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Start sign-up: NIK, name and birth date are checked against the registry; an OTP is sent"""
        challenge = service.start_signup(UnitOfWork(), **data)
        return {
            "id": challenge.id,
            "expires_in": current_app.config["OTP_TTL_SECONDS"],
            "sent_to": mask_phone(challenge.phone),
        }


@auth_blp.route("/signup/<challenge_id>/verify")
class SignupVerify(MethodView):
    decorators = [limiter.limit(OTP_LIMIT)]

    @auth_blp.public
    @auth_blp.arguments(s.SignupVerifySchema)
    @auth_blp.response(201, s.TokenSchema)
    def post(self, data: dict[str, Any], challenge_id: str) -> dict[str, Any]:
        """Finish sign-up with the OTP and a password; returns tokens"""
        account = service.verify_signup(UnitOfWork(), challenge_id=challenge_id, **data)
        return service.login(UnitOfWork(), username=account.phone, password=data["password"])


@auth_blp.route("/password-reset")
class PasswordReset(MethodView):
    decorators = [limiter.limit(SIGNUP_LIMIT)]

    @auth_blp.public
    @auth_blp.arguments(s.PasswordResetSchema)
    @auth_blp.response(202, s.PasswordResetChallengeSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Send a password-reset OTP to the account's phone (same answer if no such account)"""
        return {"id": service.start_password_reset(UnitOfWork(), login=data["login"])}


@auth_blp.route("/password-reset/<challenge_id>/confirm")
class PasswordResetConfirm(MethodView):
    decorators = [limiter.limit(OTP_LIMIT)]

    @auth_blp.public
    @auth_blp.arguments(s.PasswordResetConfirmSchema)
    @auth_blp.response(204)
    def post(self, data: dict[str, Any], challenge_id: str) -> None:
        """Set a new password with the OTP; every session of the account is signed out"""
        service.complete_password_reset(UnitOfWork(), challenge_id=challenge_id, **data)


@auth_blp.route("/login")
class Login(MethodView):
    decorators = [limiter.limit(LOGIN_LIMIT)]

    @auth_blp.public
    @auth_blp.arguments(s.LoginSchema)
    @auth_blp.response(200, s.TokenSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Log in with NIK or phone (citizens) or username (staff) and password"""
        return service.login(UnitOfWork(), **data)


@auth_blp.route("/refresh")
class Refresh(MethodView):
    decorators = [limiter.limit(LOGIN_LIMIT)]

    @auth_blp.public
    @auth_blp.arguments(s.RefreshSchema)
    @auth_blp.response(200, s.TokenSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Exchange a refresh token for a new pair; re-using a spent one revokes the whole login"""
        return service.refresh(UnitOfWork(), **data)


@auth_blp.route("/logout")
class Logout(MethodView):
    @auth_blp.auth()
    @auth_blp.arguments(s.LogoutSchema)
    @auth_blp.response(204)
    def post(self, data: dict[str, Any]) -> None:
        """Revoke this access token and the refresh token's family"""
        service.logout(UnitOfWork(), principal=current_principal(), refresh_token=data.get("refresh_token"))


@auth_blp.route("/token")
class ClientToken(MethodView):
    decorators = [limiter.limit(LOGIN_LIMIT)]

    @auth_blp.public
    @auth_blp.arguments(s.ClientCredentialsSchema, location="form")
    @auth_blp.response(200, s.TokenSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """OAuth2 client credentials grant (RFC 6749 §4.4): credentials in the form body or HTTP Basic"""
        basic = (
            request.authorization if request.authorization and request.authorization.type == "basic" else None
        )
        client_id = data.get("client_id") or (basic.username if basic else None)
        client_secret = data.get("client_secret") or (basic.password if basic else None)
        if not client_id or not client_secret:
            raise Unauthorized("Client credentials missing", reason="invalid_client")
        try:
            return service.client_token(
                UnitOfWork(), client_id=client_id, client_secret=client_secret, scope=data.get("scope")
            )
        except Unauthorized as exc:
            if basic is not None:  # RFC 6749 §5.2: answer Basic with its challenge
                exc.headers["WWW-Authenticate"] = 'Basic realm="siantar-superapp"'
            raise


@me_blp.route("")
class Me(MethodView):
    @me_blp.auth("citizen", "counter")
    @me_blp.response(200, s.MeSchema)
    def get(self) -> dict[str, Any]:
        """My profile (masked) and my family from the KK"""
        principal = current_principal()
        # Citizens reading themselves write nothing: a read-only unit of work (no transaction).
        return service.me(UnitOfWork(read_only=principal.on_behalf_of is None), principal=principal)


@me_blp.route("/access-log")
class MyAccessLog(MethodView):
    @me_blp.auth("citizen")
    @me_blp.arguments(s.PageArgsSchema, location="query")
    @me_blp.response(200, s.AccessLogSchema(many=True))
    def get(self, args: dict[str, Any]) -> list:
        """Every staff or system access to my personal data: who, when, why"""
        return service.access_log(UnitOfWork(), principal=current_principal(), **args)


@me_blp.route("/notifications")
class MyNotifications(MethodView):
    @me_blp.auth("citizen")
    @me_blp.arguments(s.PageArgsSchema, location="query")
    @me_blp.response(200, s.NotificationSchema(many=True))
    def get(self, args: dict[str, Any]) -> list:
        """My in-app notifications, newest first"""
        principal = current_principal()
        return notify.list_inbox(UnitOfWork(), resident_id=principal.resident_id, **args)


@me_blp.route("/notifications/<item_id>/read")
class MyNotificationRead(MethodView):
    @me_blp.auth("citizen")
    @me_blp.response(200, s.NotificationSchema)
    def post(self, item_id: str) -> Any:
        """Mark one notification as read"""
        principal = current_principal()
        return notify.mark_read(UnitOfWork(), resident_id=principal.resident_id, item_id=item_id)


def jwks() -> Any:
    """Public keys for verifying our access tokens (RFC 7517)."""
    response = jsonify(keyring().jwks())
    response.cache_control.max_age = 300
    response.cache_control.public = True
    return response


@auth_blp.after_request
def _no_store(response: Response) -> Response:
    """Token responses must not be cached (RFC 6749 §5.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def register(api: Api) -> None:
    api.register_blueprint(auth_blp)
    api.register_blueprint(me_blp)
    app: Flask = api._app  # type: ignore[attr-defined]
    app.add_url_rule("/.well-known/jwks.json", "jwks", jwks)
