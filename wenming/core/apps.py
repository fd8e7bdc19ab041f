from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wenming.core"
    label = "core"
