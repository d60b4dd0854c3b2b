from django.db import models
from django.utils.translation import gettext_lazy as _

from shegong.core.divisions import in_subtree
from shegong.core.restrict import RestrictedQuerySet, scope_q


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township")
    VILLAGE = 5, _("Village")


class RegionQuerySet(RestrictedQuerySet):
    def subtree(self, code: str | None) -> "RegionQuerySet":
        """The region ``code`` and everything below it (an index range scan)."""
        return self.filter(in_subtree("code", code))


class Region(models.Model):
    """An administrative division, keyed by its national statistical division code."""

    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )

    objects = RegionQuerySet.as_manager()
    # what ``str()`` reads (the audit log's entries read only this of a named row)
    STR_FIELDS = ("name",)

    class Meta:
        ordering = ["code"]
        # "the counties (or townships, villages) of this area": a province is 31,000 rows
        # of which 130 are counties, read off this index and not a scan of the province
        indexes = [models.Index(fields=["level", "code"], name="region_level_code")]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def level_label(self) -> str:
        return Level(self.level).label

    @classmethod
    def restrict_q(cls, user, action: str):
        """Regions are browsed within the user's scope; they are changed only by import."""
        if action != "view" or not user.has_perm("shegong.browse_regions"):
            return None
        return scope_q(user, "code", admin_everything=True)
