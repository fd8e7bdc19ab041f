"""The core app, and the admin names of the third-party apps, which ship no Chinese.

`AxesConfig` and `TasksDbConfig` take effect when INSTALLED_APPS names them in place of
"axes" and "django_tasks_db". They are marked `default = False`, so "wenming.core" still
picks `CoreConfig`.
"""

from axes import apps as axes_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db import apps as tasks_db_apps


class CoreConfig(AppConfig):
    default = True
    name = "wenming.core"
    label = "core"
    verbose_name = _("公共")


def _name_models(config: AppConfig, names: dict) -> None:
    # Only the admin reads these; migrations read the models' declared Meta, not these.
    for model_name, (one, many) in names.items():
        meta = config.get_model(model_name)._meta
        meta.verbose_name, meta.verbose_name_plural = one, many


class AxesConfig(axes_apps.AppConfig):
    default = False
    verbose_name = _("登录保护")

    def ready(self):
        super().ready()
        _name_models(self, {
            "AccessAttempt": (_("登录失败计数"), _("登录失败计数")),
            "AccessFailureLog": (_("登录失败日志"), _("登录失败日志")),
            "AccessLog": (_("登录日志"), _("登录日志")),
            "AccessAttemptExpiration": (_("锁定到期时间"), _("锁定到期时间")),
        })


class TasksDbConfig(tasks_db_apps.TasksAppConfig):
    default = False
    verbose_name = _("后台任务")

    def ready(self):
        super().ready()
        _name_models(self, {"DBTaskResult": (_("任务结果"), _("任务结果"))})
