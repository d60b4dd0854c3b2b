from django.utils.translation import gettext_lazy as _

from shegong.core import crypto
from shegong.core.exporters import Column, Exporter, choice, names, set_names

from .models import RecipientCategory


def prepare_people(people: list) -> None:
    """Each person's category names, for a page of people in one query of plain values:
    no link or category objects (a page of 50 people has ~80 links; as prefetched model
    objects they were a fifth of the people list's time, bench/profile_pages.py)."""
    if not people:
        return
    links = (
        RecipientCategory.objects.filter(recipient_id__in=[p.pk for p in people])
        .order_by("category__ordering", "category__code", "pk")
        .values_list("recipient_id", "category__name")
    )
    set_names(people, "category_names", links)


class RecipientExporter(Exporter):
    """People, masked: the file never holds a full ID number, phone or address."""

    title = _("Service recipients")
    columns = [
        Column(_("Name"), lambda p: p.name, 10),
        Column(_("ID number"), lambda p: crypto.mask_id_number(p.id_number), 22),
        Column(_("Sex"), choice("sex"), 6),
        Column(_("Birth date"), lambda p: p.birth_date, 12),
        Column(_("Phone"), lambda p: crypto.mask_phone(p.phone), 14),
        Column(_("Township"), lambda p: p.region.parent.name if p.region.parent else "", 14),
        Column(_("Village / community"), lambda p: p.region.name, 16),
        Column(
            _("Categories"),
            names("category_names", lambda p: (x.category.name for x in p.category_links.all())),
            30,
        ),
        Column(_("Self-care ability"), choice("self_care"), 10),
        Column(_("Consent"), choice("consent"), 8),
        Column(_("Registered on"), lambda p: p.created_at.date(), 12),
    ]
    prepare_page = staticmethod(prepare_people)
