from django.utils.translation import gettext_lazy

from shegong.core.exporters import Column, Exporter


class NotificationExporter(Exporter):
    title = gettext_lazy("Notifications")
    columns = [
        Column(gettext_lazy("Message"), lambda n: n.sentence, 30),
        Column(gettext_lazy("About"), lambda n: n.subject, 30),
        Column(gettext_lazy("Note"), lambda n: n.note, 30),
        Column(gettext_lazy("Kind"), lambda n: n.category_label, 10),
        Column(gettext_lazy("Sent"), lambda n: n.created_at, 16),
        Column(gettext_lazy("Read"), lambda n: n.read_at or "", 16),
    ]
