"""Form widgets that render the same HTML as Django's, faster.

Django renders every ``<option>`` of a select through a template include; the list pages'
filter forms hold about a thousand options (authorities, laws, countries), which took
hundreds of milliseconds per page. ``FastSelect`` writes the very markup of Django's
``select.html`` / ``select_option.html`` / ``attrs.html`` templates in Python, straight from
the choices: no option dictionaries (``optgroups``), no template per option.
"""

import html

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django_filters import fields as filter_fields


def _escape(value) -> str:
    """``conditional_escape``, without its lazy-string wrapper for plain strings."""
    return html.escape(value) if type(value) is str else conditional_escape(value)


def _model_choices(choices):
    """A model select's choices as (value, label) pairs read with ``values_list``, without
    a model instance per option, when that gives the same pairs: the model names the field
    its ``__str__`` returns (``choice_label_field``) and the form field labels options with
    ``str()``. Otherwise None."""
    if type(choices) not in _MODEL_ITERATORS:
        return None
    field = choices.field
    label_field = getattr(choices.queryset.model, "choice_label_field", None)
    if not label_field or type(field).label_from_instance is not _DEFAULT_LABEL:
        return None
    pairs = []
    if field.empty_label is not None:
        pairs.append(("", field.empty_label))
    if getattr(field, "null_label", None) is not None:  # django-filter's null choice
        pairs.append((field.null_value, field.null_label))
    pairs.extend(choices.queryset.values_list(field.to_field_name or "pk", label_field))
    return pairs


_DEFAULT_LABEL = forms.ModelChoiceField.label_from_instance
_MODEL_ITERATORS = {forms.models.ModelChoiceIterator, filter_fields.ModelChoiceIterator}


def _attributes(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: ``False`` drops one, ``True`` is a bare name."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


class FastSelect(forms.Select):
    """``forms.Select`` with its templates' output produced without the template engine."""

    def render(self, name, value, attrs=None, renderer=None):
        # Widget.get_context, not Select's: the options are written below from the choices.
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        if self.allow_multiple_selected:
            widget["attrs"]["multiple"] = True
        selected_values = widget["value"]  # format_value: a list of strings
        parts = [f'<select name="{conditional_escape(widget["name"])}"']
        parts.append(_attributes(widget["attrs"]) + ">")
        has_selected = False
        escape = _escape
        choices = _model_choices(self.choices)
        for option_value, option_label in self.choices if choices is None else choices:
            # As ChoiceWidget.optgroups: a list or tuple label makes a group of options.
            if option_value is None:
                option_value = ""
            if isinstance(option_label, (list, tuple)):
                group_name, choices = option_value, option_label
            else:
                group_name, choices = None, ((option_value, option_label),)
            if group_name:
                parts.append(f'\n  <optgroup label="{escape(group_name)}">')
            for subvalue, sublabel in choices:
                text = str(subvalue)
                selected = (
                    not has_selected or self.allow_multiple_selected
                ) and text in selected_values
                has_selected |= selected
                # select_option.html (value|stringformat:'s'), ending with its newline.
                parts.append(
                    f'\n  <option value="{escape(text)}"{" selected" if selected else ""}>'
                    f"{escape(sublabel)}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


class FastTextInput(forms.TextInput):
    """``forms.TextInput`` writing django/forms/widgets/input.html's markup in Python."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value = widget["value"]
        value = "" if value is None else f' value="{conditional_escape(str(value))}"'
        return mark_safe(
            f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"'
            f"{value}{_attributes(widget['attrs'])}>"
        )


FAST_WIDGETS = {forms.Select: FastSelect, forms.TextInput: FastTextInput}


def use_fast_selects(form: forms.Form) -> None:
    """Render this form's plain selects and text boxes with ``FastSelect`` and
    ``FastTextInput`` (same HTML)."""
    for field in form.fields.values():
        fast = FAST_WIDGETS.get(type(field.widget))
        if fast:
            field.widget.__class__ = fast


def field_group(bound_field) -> str:
    """What ``bound_field.as_field_group()`` writes (django/forms/field.html, its label.html
    and the errors' ul.html, each stripped as Django's renderer strips them), without three
    templates per field. Anything the simple case does not cover goes to Django."""
    field, form = bound_field.field, bound_field.form
    suffix = field.label_suffix if field.label_suffix is not None else form.label_suffix
    if (
        bound_field.use_fieldset
        or suffix
        or hasattr(form, "required_css_class")
        or field.show_hidden_initial
    ):
        return bound_field.as_field_group()
    label = ""
    if bound_field.label:
        widget = field.widget
        id_ = widget.attrs.get("id") or bound_field.auto_id
        if id_:
            id_for_label = widget.id_for_label(id_)
            attrs = f' for="{conditional_escape(str(id_for_label))}"' if id_for_label else ""
            label = f"<label{attrs}>{conditional_escape(bound_field.label)}</label>"
        else:
            label = conditional_escape(bound_field.label)
    help_text = ""
    if bound_field.help_text:
        auto_id = bound_field.auto_id
        id_attr = f' id="{conditional_escape(auto_id)}_helptext"' if auto_id else ""
        help_text = f'<div class="helptext"{id_attr}>{bound_field.help_text}</div>'
    errors = bound_field.errors
    errors = str(errors) if errors else ""
    html_text = f"{label}\n\n{help_text}\n{errors}\n{bound_field}".strip()
    return mark_safe(html_text)
