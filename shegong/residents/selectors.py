"""Reads of residents' requests, through the caller's restriction."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from shegong.core.divisions import in_subtree

from .models import OPEN_STATUSES, ResidentRequest


def request_list(*, user: AbstractBaseUser, filters: dict) -> QuerySet[ResidentRequest]:
    """The requests ``user`` may see, newest first, filtered by kind, status, region and
    "overdue" (no first response by its due date)."""
    qs = ResidentRequest.objects.restrict(user).select_related("region", "station", "assignee")
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    if filters.get("overdue"):
        qs = qs.filter(overdue_q())
    if filters.get("mine"):
        qs = qs.filter(assignee_id=user.pk)
    return qs.order_by("-submitted_at", "-pk")


def overdue_q() -> Q:
    """Still waiting for a first response after its due date."""
    return Q(status__in=OPEN_STATUSES, responded_at__isnull=True, due_on__lt=timezone.localdate())
