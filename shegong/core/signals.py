"""Signals the ground floor sends; the apps above listen (core never imports them).

``export_requested`` is sent by ``exporters.export_response`` for every export, allowed or
refused, before anything is written out. The audit app records each one; an export is
never served without its entry, because the receiver runs in the same request and a
failing receiver fails the export.
"""

from django.dispatch import Signal

# sender: the Exporter class; kwargs: request, allowed (bool), fmt, filters (dict)
export_requested = Signal()
