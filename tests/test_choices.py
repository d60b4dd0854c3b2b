"""Choice labels from a dict built once per field (core.choices): every model's
get_<field>_display answers as Django's own does, in both languages, for every stored
value, an unknown one and none, and reads only the one label it returns."""

from functools import partialmethod
from unittest import mock

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from shegong.core import choices
from shegong.stations.models import Station
from shegong.work.models import HomeVisit


def _choice_fields():
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.choices:
                yield model, field


def test_every_model_display_is_the_fast_one():
    django_display = models.Model._get_FIELD_display
    fields = list(_choice_fields())
    assert len(fields) > 50  # statuses, kinds, roles … of every app
    for model, field in fields:
        attr = next(
            vars(c)[f"get_{field.name}_display"]
            for c in model.__mro__
            if f"get_{field.name}_display" in vars(c)
        )
        assert attr.func is not django_display, (model, field.name)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_labels_equal_djangos_for_every_value(language):
    django_display = models.Model._get_FIELD_display
    checked = 0
    with translation.override(language):
        for model, field in _choice_fields():
            values = [v for v, _label in field.flatchoices] + ["no-such-value", None, ["a"]]
            for value in values:
                obj = model()
                setattr(obj, field.attname, value)
                ours = getattr(obj, f"get_{field.name}_display")()
                assert ours == django_display(obj, field), (model, field.name, value)
                checked += 1
    assert checked > 300


def test_a_label_is_read_in_the_language_of_the_moment():
    visit = Station(tier=Station.Tier.TOWNSHIP)
    with translation.override("zh-hans"):
        chinese = visit.get_tier_display()
    with translation.override("en"):
        english = visit.get_tier_display()
    assert chinese == "乡镇（街道）社工站" and english == "Township social work station"


def test_a_call_reads_one_label_not_all_of_them():
    """Django hashes every label of the field on every call (a catalogue lookup each)."""
    field = HomeVisit._meta.get_field("domain")
    assert len(field.flatchoices) > 5
    visit = HomeVisit(domain=field.flatchoices[-1][0])
    visit.get_domain_display()  # the dict is built on first use
    trans = translation._trans
    real = trans.gettext
    with mock.patch.object(trans, "gettext", wraps=real) as looked_up:
        label = visit.get_domain_display()
    assert label == str(field.flatchoices[-1][1])
    assert looked_up.call_count == 1
    with mock.patch.object(trans, "gettext", wraps=real) as looked_up:
        assert models.Model._get_FIELD_display(visit, field) == label
    assert looked_up.call_count >= len(field.flatchoices)  # what Django's own costs


def test_a_models_own_display_method_is_left_alone():
    field = HomeVisit._meta.get_field("domain")

    class Own:  # install reads only the class's attributes
        get_domain_display = partialmethod(models.Model._get_FIELD_display, field=field)
        domain = field.flatchoices[0][0]

        def get_status_display(self):
            return "mine"

    mine = Own.get_status_display
    assert choices.install([Own]) == 1
    assert Own.get_status_display is mine and Own().get_status_display() == "mine"
    assert vars(Own)["get_domain_display"].func is choices.label
    assert Own().get_domain_display() == str(field.flatchoices[0][1])
