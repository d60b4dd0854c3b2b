from django.utils.translation import gettext_lazy as _

from shegong.core import crypto
from shegong.core.exporters import Column, Exporter, choice


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
            lambda p: "、".join(link.category.name for link in p.category_links.all()),
            30,
        ),
        Column(_("Self-care ability"), choice("self_care"), 10),
        Column(_("Consent"), choice("consent"), 8),
        Column(_("Registered on"), lambda p: p.created_at.date(), 12),
    ]
