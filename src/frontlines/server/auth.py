"""Bearer tokens for the write endpoints. Tokens come from `frontlines token create`; the store
keeps only their SHA-256, and the token's name is recorded as `who` on every change."""
from __future__ import annotations

from fastapi import HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A token from `frontlines token create` (sent as `Authorization: Bearer <token>`).",
)

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def require_token(request: Request, creds: HTTPAuthorizationCredentials | None = Security(bearer)) -> str:
    """The name behind a valid bearer token; 401 without one or with a wrong one."""
    if creds is None or not creds.credentials:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a bearer token is required for changes: create one with `frontlines token create`",
            headers=_CHALLENGE,
        )
    who = request.app.state.store.check_token(creds.credentials)
    if who is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or revoked token", headers=_CHALLENGE)
    return who
