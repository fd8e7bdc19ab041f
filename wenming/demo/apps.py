from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "wenming.demo"
    label = "demo"
