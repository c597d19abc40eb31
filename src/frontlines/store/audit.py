"""The audit log as the workbench lists it: one item per change, newest first, with an action name.

The store logs one `reviews` row per changed field (`Store._log`); a confirm or reject with a note
logs the note as a row of its own right after the state change. Here that note joins its state
change, and each row gets an `action` a person can filter on.
"""
from __future__ import annotations

from datetime import date

# review_state written -> the action that wrote it
_STATE_ACTIONS = {"confirmed": "confirm", "rejected": "reject", "edited": "edit", "unreviewed": "reopen"}
# (entity, field) -> action, for the rows that are not plain field edits
_FIELD_ACTIONS = {("event", "source_changed"): "source_changed", ("event", "actor"): "split_actor",
                  ("actor", "alias"): "alias", ("actor", "merged_into"): "merge_actor",
                  ("actor", "merged_from"): "merge_actor", ("actor", "split"): "split_actor"}
ACTIONS = ("confirm", "reject", "reopen", "edit", "merge", "split", "alias", "merge_actor", "split_actor",
           "source_changed", "note")


def action_of(row: dict) -> str:
    entity, fld = row["entity"], row["field"]
    if entity == "event" and fld == "review_state":
        return _STATE_ACTIONS.get(row["after"], "edit")
    if entity == "event" and fld == "cluster":
        # merge.split_event logs (cluster it left -> itself), merge.merge_manual (None -> the cluster)
        return "split" if row["before"] is not None and row["after"] == row["entity_id"] else "merge"
    if fld == "note":
        return "note"
    return _FIELD_ACTIONS.get((entity, fld), "edit")


def items(rows: list[dict]) -> list[dict]:
    """Audit rows (Store.reviews(), oldest first) as workbench items, oldest first."""
    out: list[dict] = []
    for r in rows:
        if r["field"] == "note" and out:
            prev = out[-1]
            # the note a confirm/reject carried: logged right after it, by the same person, on the same event
            if (prev["action"] in ("confirm", "reject", "reopen") and prev["note"] is None
                    and prev["_entity"] == (r["entity"], r["entity_id"]) and prev["who"] == r["who"]):
                prev["note"] = r["after"]
                continue
        key = "event_id" if r["entity"] == "event" else f"{r['entity']}_id"
        out.append({"id": r["id"], "who": r["who"], "when": r["at"], "action": action_of(r), "entity": r["entity"],
                    "entity_id": r["entity_id"], key: r["entity_id"], "event_id": r["entity_id"] if r["entity"] == "event" else None,
                    "field": r["field"], "before": r["before"], "after": r["after"],
                    "note": r["after"] if r["field"] == "note" else None, "_entity": (r["entity"], r["entity_id"])})
    for it in out:
        del it["_entity"]
    return out


def page(rows: list[dict], *, user: str | None = None, action: str | None = None, event_ids: set[str] | None = None,
         since: date | None = None, until: date | None = None, limit: int = 100, offset: int = 0) -> dict:
    """{"total", "offset", "limit", "items"}: the filtered items, newest first."""
    found = items(rows)
    if user:
        found = [i for i in found if i["who"] == user]
    if action:
        found = [i for i in found if i["action"] == action]
    if event_ids is not None:
        found = [i for i in found if i["event_id"] in event_ids]
    if since:
        found = [i for i in found if i["when"] and i["when"][:10] >= since.isoformat()]
    if until:
        found = [i for i in found if i["when"] and i["when"][:10] <= until.isoformat()]
    found.reverse()
    return {"total": len(found), "offset": offset, "limit": limit, "items": found[offset: offset + limit]}
