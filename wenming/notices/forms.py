from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm
from wenming.core.uploads import image_error
from wenming.core.widgets import PickerField
from wenming.orgs.models import OrgNode

from .services import MAX_BODY


class NoticeForm(CleanForm):
    public = forms.TypedChoiceField(
        label=_("类型"), coerce=lambda v: v == "1", initial="0",
        choices=[("0", _("通知公告（发给本阵地及下级工作人员，有已读回执）")),
                 ("1", _("新闻动态（公开，显示在首页和阵地主页）"))],
        widget=forms.RadioSelect)
    # A search box over the publisher's subtree, not a <select> of all its nodes (issue 10).
    org = PickerField(label=_("发布阵地"), queryset=OrgNode.objects.none(),
                      search_url=reverse_lazy("api:org_search"), item_label="{name}",
                      item_detail="{kind_label} · {parent_name}")
    title = forms.CharField(label=_("标题"), min_length=2, max_length=100)
    body = forms.CharField(
        label=_("正文"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("直接输入文字即可，空行分段；也可使用简单格式：<b>加粗</b>、<ul><li>列表</li></ul>、"
                    "<a href=\"https://…\">链接</a>。脚本和样式会被去除。"))
    image = forms.FileField(label=_("配图（可选，JPG或PNG，5MB以内）"), required=False,
                            widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}))
    pinned = forms.BooleanField(label=_("置顶"), required=False)

    def __init__(self, *args, nodes, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = nodes
        only = list(nodes[:2])
        if len(only) == 1:
            self.fields["org"].initial = only[0].pk
        if editing:  # who it is for and from where are fixed once published
            del self.fields["public"], self.fields["org"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and (error := image_error(image)):
            raise forms.ValidationError(error)
        return image or None


class WithdrawForm(CleanForm):
    reason = forms.CharField(label=_("撤回原因"), min_length=2, max_length=200)


class NoticeFilterForm(CleanForm):
    kind = forms.ChoiceField(label=_("类型"), required=False,
                             choices=[("news", _("新闻动态")), ("notice", _("通知公告"))])
