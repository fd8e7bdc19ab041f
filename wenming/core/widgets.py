"""A search-as-you-type picker for a choice among thousands (an org node, a volunteer).

A `<select>` of every node of a district is 1,672 options and 200-300 KB of page (issue 10).
`PickerField` is a ModelChoiceField whose widget renders a search box and the chosen id:
`wenming/static/wenming/picker.js` asks a scoped search API (`search_url`, which answers
`{"items": [...]}` as every list of the API does) as the user types and fills the id. Without
JavaScript the id box is shown as a plain input: the field still validates the id against its
queryset (the caller's scope) and says clearly when it is not there. The widget never iterates
its choices; it looks up the one chosen row to show its name.

Adopting it in a form (the page must load picker.js and picker.css in `{% block head %}`,
see `PICKER_MEDIA`):

    org = PickerField(label=_("所属阵地"), queryset=OrgNode.objects.none(),
                      search_url=reverse_lazy("api:org_search"),
                      item_label="{name}", item_detail="{kind_label} · {parent_name}")
    ...
    self.fields["org"].queryset = visible_orgs(user)   # validation stays the queryset's
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

PICKER_MEDIA = ("wenming/picker.js", "wenming/picker.css")
SEARCH_BY_NAME = _("输入名称搜索")


class PickerInput(forms.Widget):
    """A search box plus the chosen id (a plain text input until picker.js takes over)."""

    def __init__(self, *, search_url, item_label: str = "{name}", item_detail: str = "",
                 placeholder=SEARCH_BY_NAME, attrs=None):
        super().__init__(attrs)
        self.search_url, self.item_label, self.item_detail = search_url, item_label, item_detail
        self.placeholder = placeholder

    def chosen_label(self, value) -> str:
        """The name of the chosen row, looked up alone (never the whole choice list)."""
        choices = getattr(self, "choices", None)
        queryset, field = getattr(choices, "queryset", None), getattr(choices, "field", None)
        if value in (None, "") or queryset is None:
            return ""
        try:
            obj = queryset.filter(pk=value).first()
        except (ValueError, TypeError, ValidationError):
            return ""
        return field.label_from_instance(obj) if obj is not None else ""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        value = "" if value is None else str(getattr(value, "pk", value))
        input_id = attrs.get("id", f"id_{name}")
        label = self.chosen_label(value)
        return format_html(
            '<div class="picker" data-picker data-search="{url}" data-item-label="{il}" '
            'data-item-detail="{idt}" data-empty="{empty}" data-failed="{failed}" data-chosen="{chosen_prefix}">'
            '<input type="text" class="picker-id" name="{name}" id="{id}" value="{value}" '
            'inputmode="numeric" autocomplete="off" aria-describedby="{id}-nojs"{required}>'
            '<small class="help picker-nojs" id="{id}-nojs">{nojs}</small>'
            '<input type="search" class="picker-q" id="{id}-q" value="{label}" '
            'placeholder="{ph}" autocomplete="off" role="combobox" aria-expanded="false" '
            'aria-controls="{id}-list" aria-autocomplete="list" hidden>'
            '<ul class="picker-list" id="{id}-list" role="listbox" hidden></ul>'
            '<p class="picker-chosen" aria-live="polite">{chosen}</p></div>',
            url=str(self.search_url), il=self.item_label, idt=self.item_detail,
            empty=_("没有找到，换个关键词试试"), failed=_("搜索失败，请稍后再试"),
            name=name, id=input_id, value=value, label=label, ph=self.placeholder,
            required=" required" if attrs.get("required") else "",
            nojs=_("请输入编号"), chosen_prefix=_("已选："),
            chosen=format_html("{}{}", _("已选："), label) if label else "")

    def value_from_datadict(self, data, files, name):
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data

    def use_required_attribute(self, initial):
        return False  # the id box is hidden once JS runs: the server says what is missing


class PickerField(forms.ModelChoiceField):
    """A ModelChoiceField picked by search; the queryset (the caller's scope) still decides."""

    default_error_messages = {
        "invalid_choice": _("没有找到这个编号，或它不在您的管辖范围内，请搜索后从列表中选择"),
    }

    def __init__(self, *, search_url, item_label: str = "{name}", item_detail: str = "",
                 placeholder=SEARCH_BY_NAME, **kwargs):
        kwargs.setdefault("empty_label", None)
        super().__init__(widget=PickerInput(search_url=search_url, item_label=item_label,
                                            item_detail=item_detail, placeholder=placeholder),
                         **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value and not value.isdigit():
                raise ValidationError(self.error_messages["invalid_choice"],
                                      code="invalid_choice")
            if value and int(value) > 2**63 - 1:
                raise ValidationError(self.error_messages["invalid_choice"],
                                      code="invalid_choice")
        return super().to_python(value)
