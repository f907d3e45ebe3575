"""Who may see and change a notification: only its recipient."""

from __future__ import annotations

from ..people.models import User
from .models import Notification


def can_view_notification(user: User, notification: Notification) -> bool:
    return user.is_authenticated and notification.recipient_id == user.id
