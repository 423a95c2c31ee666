"""Notification settings fail at start with one clear line, naming the variable."""

from __future__ import annotations

import pytest

from bookings_sessions.__main__ import main
from bookings_sessions.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"notification_webhook_url": "ftp://example.com/x"}, "NOTIFICATION_WEBHOOK_URL: must be an http"),
        (
            {"notification_webhook_url": "https://example.com/hook"},
            "NOTIFICATION_WEBHOOK_SECRET: is required when NOTIFICATION_WEBHOOK_URL is set",
        ),
        (
            {"notification_lease_seconds": 5, "notification_http_timeout_seconds": 5},
            "NOTIFICATION_HTTP_TIMEOUT_SECONDS: must be shorter than NOTIFICATION_LEASE_SECONDS",
        ),
        ({"notification_max_attempts": 0}, "NOTIFICATION_MAX_ATTEMPTS"),
        ({"change_webhook_url": "ftp://example.com/x"}, "CHANGE_WEBHOOK_URL: must be an http"),
        (
            {"change_webhook_url": "https://example.com/changes"},
            "CHANGE_WEBHOOK_SECRET: is required when CHANGE_WEBHOOK_URL is set",
        ),
    ],
)
def test_bad_notification_settings_are_named(values: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(**values)


def test_defaults_need_no_webhook() -> None:
    settings = load_settings()
    assert settings.notification_webhook_url is None
    assert settings.notification_dispatcher is True


def test_a_webhook_with_its_secret_is_accepted() -> None:
    settings = load_settings(
        notification_webhook_url="https://example.com/hook", notification_webhook_secret="s"
    )
    assert settings.notification_webhook_secret is not None
    assert settings.notification_webhook_secret.get_secret_value() == "s"


def test_dispatch_refuses_to_start_without_mongodb_uri(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MONGODB_URI", raising=False)

    assert main(["dispatch"]) == 2
    assert "dispatch needs MONGODB_URI" in capsys.readouterr().err
