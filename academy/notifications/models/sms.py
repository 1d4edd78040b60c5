"""The SMS templates the providers approved: only kinds with one may go by SMS."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import kinds as k


class SmsTemplate(models.Model):
    """The SMS template approved with the provider for one kind, and its variables.

    SMS in China carries only templates the provider approved, with named variables. Each
    variable is filled from the reminder's context by a small Django template, e.g.
    ``{"course": "{{ course }}", "days": "{{ days }}"}``. A kind without an approved
    template is never sent by SMS.
    """

    kind = models.CharField(_("kind"), max_length=50, unique=True)
    template_code = models.CharField(
        _("template code"), max_length=60,
        help_text=_("As the provider assigned it, e.g. SMS_154950909 (Aliyun) or 1234567 "
                    "(Tencent)."))
    variables = models.JSONField(
        _("variables"), default=list, blank=True,
        help_text=_('Pairs of the variable\'s name and what fills it, from the reminder: '
                    '[["course", "{{ course }}"], ["days", "{{ days }}"]]. Tencent uses them '
                    'in this order.'))
    approved = models.BooleanField(
        _("approved by the provider"), default=False,
        help_text=_("Only approved templates are sent."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")

    def __str__(self) -> str:
        return f"{self.kind} → {self.template_code}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError
        from django.template import TemplateSyntaxError, engines

        try:
            k.get_kind(self.kind)
        except KeyError:
            raise ValidationError({"kind": _("No such kind of notification.")}) from None
        if isinstance(self.variables, dict):  # accepted, kept in the order written
            self.variables = [[name, source] for name, source in self.variables.items()]
        if not isinstance(self.variables, list) or not all(
                isinstance(pair, list) and len(pair) == 2
                and all(isinstance(part, str) for part in pair) for pair in self.variables):
            raise ValidationError({"variables": _('Write a list of name and text pairs, e.g. '
                                                  '[["course", "{{ course }}"]].')})
        for name, source in self.variables:
            try:
                engines["django"].from_string(source)
            except TemplateSyntaxError as exc:
                raise ValidationError({"variables": _("“%(name)s”: %(error)s")
                                       % {"name": name, "error": exc}}) from None
