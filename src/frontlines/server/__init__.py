"""The analyst's workbench: a FastAPI app over the store (`/api/...`) serving the single-page app.

`create_app(db, pack)` builds it; `frontlines serve` runs it with uvicorn. Read endpoints are open;
write endpoints (review) need `Authorization: Bearer <token>` from `frontlines token create`.
"""
from .app import WEB_DIR, create_app

__all__ = ["WEB_DIR", "create_app"]
