"""The long select (app.core.forms.LongSelect) renders what WTForms' own select renders, the
chosen option marked, while it keeps the options of each list rendered once."""

from __future__ import annotations

import pytest
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from app.core.forms import LongSelect
from app.registration.forms import country_choices

CHOICES = [
    SelectChoice("", "Choose a country"),
    SelectChoice("CI", "Côte d’Ivoire"),
    SelectChoice("TR", "Türkiye"),
    SelectChoice("X&", 'Quotes " and <tags>'),
]


def rendered(widget, data, choices=CHOICES, **kwargs) -> str:
    class Pick(Form):
        country = SelectField("Country", choices=choices, widget=widget)

    form = Pick(data={"country": data})
    return str(form.country(**kwargs))


@pytest.mark.parametrize("data", [None, "", "CI", "TR", "X&", "ZZ"])
def test_it_renders_what_wtforms_renders(data):
    assert rendered(LongSelect(), data, autocomplete="country") == rendered(
        Select(), data, autocomplete="country"
    )


def test_only_the_chosen_option_is_marked():
    html = rendered(LongSelect(), "TR")
    assert html.count("selected") == 1
    assert '<option selected value="TR">Türkiye</option>' in html
    # The next rendering, with another choice, starts from the unmarked options.
    again = rendered(LongSelect(), "CI")
    assert '<option selected value="CI">' in again
    assert '<option value="TR">Türkiye</option>' in again


def test_each_list_is_rendered_once_and_kept(app):
    widget = LongSelect()
    with app.test_request_context("/"):
        english = country_choices("en")
        french = country_choices("fr")
    for data in ("BR", "IT", "SN"):
        rendered(widget, data, english)
    rendered(widget, "SN", french)
    info = widget._options.cache_info()
    assert (info.misses, info.hits) == (2, 2)
    assert "Sénégal" in rendered(widget, "SN", french)
    assert "Senegal" in rendered(widget, "SN", english)
