"""What a notification says, by event: the sentence is translated when it is read, so
a user reads it in the language they use, whoever's action sent it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ASSIGNED = "assigned", _("New assignment")
    OVERDUE = "overdue", _("Overdue")
    APPROVAL = "approval", _("Waiting for you")
    RETURNED = "returned", _("Returned")
    MATCHED = "matched", _("Matched")


# event -> (category, sentence); the subject (what it is about) follows the sentence
EVENTS = {
    "request.assigned": (Category.ASSIGNED, _("A resident's request is assigned to you")),
    "request.overdue": (Category.OVERDUE, _("A resident's request is past its response date")),
    "request.escalated": (
        Category.OVERDUE,
        _("A resident's request is still unanswered: escalated to you"),
    ),
    "request.rated": (Category.MATCHED, _("A resident rated the service")),
    "match.confirmed": (Category.MATCHED, _("You are matched to a resident's need")),
    "month.submitted": (Category.APPROVAL, _("A station's month waits for your review")),
    "month.returned": (Category.RETURNED, _("A month was returned to the station")),
    "month.accepted": (Category.APPROVAL, _("A month was accepted")),
    "case.plan_submitted": (Category.APPROVAL, _("A case plan waits for your approval")),
    "case.plan_returned": (Category.RETURNED, _("Your case plan was returned")),
    "case.closure_submitted": (Category.APPROVAL, _("A case closure waits for your approval")),
    "case.closure_returned": (Category.RETURNED, _("Your case closure was returned")),
}
