"""Signals accounts sends to the apps above it (which accounts never imports).

``user_saved`` is sent by ``services.user_record`` inside its transaction, after the row is
written and before the audit entry: a receiver that fails undoes the whole save.
"""

from django.dispatch import Signal

# sender: User; kwargs: user, created (bool), by (the acting user)
user_saved = Signal()
