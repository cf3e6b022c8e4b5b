from django.http import HttpRequest

from supportdesk.followups.selectors import notifications_unread_count


def unread_notifications(request: HttpRequest) -> dict[str, int]:
    """The inbox count in the header; one cheap query, only for a verified user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {}
    return {"unread_notifications": notifications_unread_count(user=user)}
