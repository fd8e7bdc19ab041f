"""An outbound channel for tests: keeps what would have gone to a phone."""


class RecordingChannel:
    name = "test"
    sent: list[tuple[str, str]] = []  # (mobile, body), shared by every instance

    def send(self, notification) -> None:
        RecordingChannel.sent.append((notification.user.mobile, notification.body))


def codes_sent_to(mobile: str) -> list[str]:
    """The six-digit codes texted to `mobile`, oldest first."""
    import re

    return [re.search(r"\d{6}", body).group() for to, body in RecordingChannel.sent
            if to == mobile]
