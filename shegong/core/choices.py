"""Choice labels, read from a dict built once per field.

Django's ``get_<field>_display()`` builds the choices' dict again on every call and hashes
every label as it does (``make_hashable`` of the whole list): each label is a lazy
translation, so a field of twelve choices costs twelve catalogue lookups a call. A list
of 50 rows showing a status paid that 50 times, and a station's home page a tenth of its
time. ``install`` (CoreConfig.ready) points every model's ``get_<field>_display`` at
``label``, which keys a dict by the stored values once per field and keeps the labels
lazy, so each call still reads the label in the request's language. The audit log's
snapshot and the Excel columns read their labels here too: one mechanism, no copies.
"""

from functools import partialmethod

from django.db import models
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_KEY = "_shegong_choice_labels"


def labels(field) -> dict:
    """``{stored value: label}`` of a choices field (labels lazy, in any language), built
    on first use and kept on the field; choices given as a callable are read every time,
    as Django does."""
    known = field.__dict__.get(_KEY)
    if known is not None:
        return known
    # as dict(make_hashable(field.flatchoices)) without hashing the labels
    built = {make_hashable(value): label for value, label in field.flatchoices}
    if not isinstance(field.choices, CallableChoiceIterator):
        field.__dict__[_KEY] = built
    return built


def label_of(field, value):
    """The label of ``value`` in ``field``'s choices; the value itself when it has none
    (as ``get_<field>_display``); None stays None."""
    known = labels(field)
    try:
        label = known.get(value, value)
    except TypeError:  # unhashable (a list stored in a JSON field with choices)
        label = known.get(make_hashable(value), value)
    return force_str(label, strings_only=True)


def label(obj: models.Model, field):
    """``obj.get_<field>_display()``: a text, or the stored value when it has no label."""
    return label_of(field, getattr(obj, field.attname))


def install(all_models) -> int:
    """Every ``get_<field>_display`` Django made (a ``partialmethod`` of
    ``Model._get_FIELD_display``) now calls ``label``; one a model defines itself is left
    alone. How many were replaced."""
    django_display = models.Model._get_FIELD_display
    replaced = 0
    for model in all_models:
        for name, attr in list(vars(model).items()):
            if (
                name.startswith("get_")
                and name.endswith("_display")
                and isinstance(attr, partialmethod)
                and attr.func is django_display
            ):
                setattr(model, name, partialmethod(label, field=attr.keywords["field"]))
                replaced += 1
    return replaced
