"""The phone's API: its station's working set, and the changes since it was read.

A phone downloads the working set once (``/api/field/stations/{id}/working-set``), keeps
its ``cursor``, and then asks for the changes after it
(``/api/field/stations/{id}/changes?cursor=…``) until ``more`` is false. Writes go through
the ordinary endpoints (``/api/visits`` …) with an ``Idempotency-Key`` per outbox item.
"""

from typing import Any

from ninja import Query, Router, Schema

from shegong.audit.services import audit_log
from shegong.core.validation import MAX_ID
from shegong.people.api import RecipientOut
from shegong.work.api import (
    ActivityOut,
    AdminWorkOut,
    CaseOut,
    GroupOut,
    SessionOut,
    VisitOut,
)

from . import selectors

router = Router(tags=["field app"])


class PersonOut(RecipientOut):
    """A person as the phone keeps them: masked as on screen, with what an offline search
    reads (the name's pinyin initials; the last four ID digits are in the masked number)."""

    name_initials: str
    household_id: int | None


class HouseholdOut(Schema):
    id: int
    region_id: str
    head_id: int | None
    label: str

    @staticmethod
    def resolve_label(obj):
        return str(obj)


class VillageOut(Schema):
    code: str
    name: str


class StaffOut(Schema):
    id: int
    full_name: str
    username: str


class WorkingSetOut(Schema):
    station_id: int
    station_name: str
    township: str
    cursor: int
    villages: list[VillageOut]
    staff: list[StaffOut]
    households: list[HouseholdOut]
    people: list[PersonOut]
    cases: list[CaseOut]
    groups: list[GroupOut]
    activities: list[ActivityOut]
    visits: list[VisitOut]  # the worker's own, last 30 days: corrected from the phone


class ChangeOut(Schema):
    kind: str
    id: int
    record: dict[str, Any] | None  # None: no longer in the caller's sight (moved, removed)


class ChangesOut(Schema):
    cursor: int
    more: bool
    items: list[ChangeOut]


OUT = {
    "recipient": PersonOut,
    "household": HouseholdOut,
    "visit": VisitOut,
    "case": CaseOut,
    "group": GroupOut,
    "session": SessionOut,
    "activity": ActivityOut,
    "admin_work": AdminWorkOut,
}


@router.get("/field/stations/{station_id}/working-set", response=WorkingSetOut)
def working_set(request, station_id: int):
    """The station's working set for offline use (its own staff only: else 403)."""
    ws = selectors.working_set(user=request.user, station_id=station_id)
    people = list(ws.people)
    audit_log(
        action="shegong.field.downloaded",
        request=request,
        obj=ws.station,
        data={"people": len(people), "cursor": ws.cursor},
    )
    return {
        "station_id": ws.station.pk,
        "station_name": ws.station.name,
        "township": ws.station.region_id,
        "cursor": ws.cursor,
        "villages": ws.villages,
        "staff": ws.staff,
        "households": list(ws.households),
        "people": people,
        "cases": list(ws.cases),
        "groups": list(ws.groups),
        "activities": list(ws.activities),
        "visits": list(ws.visits),
    }


@router.get("/field/stations/{station_id}/changes", response=ChangesOut)
def changes(
    request,
    station_id: int,
    cursor: int = Query(0, ge=0, le=MAX_ID),
    limit: int = Query(200, ge=1, le=500),
):
    """The station's records changed after ``cursor`` (each as it is now, once), oldest
    first; call again with the answer's ``cursor`` while ``more``."""
    page = selectors.changes_page(
        user=request.user, station_id=station_id, cursor=cursor, limit=limit
    )
    items = [
        {
            "kind": kind,
            "id": pk,
            "record": OUT[kind].from_orm(obj).model_dump(mode="json") if obj else None,
        }
        for kind, pk, obj in page.items
        if kind in OUT
    ]
    people = sum(1 for i in items if i["kind"] == "recipient" and i["record"])
    if people:
        audit_log(
            action="shegong.field.refreshed",
            request=request,
            data={"station": station_id, "people": people, "cursor": page.cursor},
        )
    return {"cursor": page.cursor, "more": page.more, "items": items}
