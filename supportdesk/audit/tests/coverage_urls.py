"""A URL configuration for the coverage harness's own tests: one view of each kind."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.accounts.models import User
from supportdesk.audit.coverage import no_personal_data, shows_personal_data
from supportdesk.audit.services import audit_record_list_view, audit_record_view


@shows_personal_data
def recording_view(request: AuthenticatedRequest, user_id: str) -> HttpResponse:
    person = User.objects.get(pk=user_id)
    audit_record_view(actor=request.user, obj=person, fields=["display_name"])
    return HttpResponse(person.display_name)


@shows_personal_data
def recording_list_view(request: AuthenticatedRequest) -> HttpResponse:
    people = list(User.objects.order_by("username")[:5])
    audit_record_list_view(actor=request.user, objects=people, fields=["display_name"])
    return HttpResponse(", ".join(person.display_name for person in people))


@shows_personal_data
def forgetful_view(request: HttpRequest, user_id: str) -> HttpResponse:
    return HttpResponse(User.objects.get(pk=user_id).display_name)  # records nothing


@no_personal_data
def plain_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def unmarked_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("?")


covered = (
    [
        path("people/<str:user_id>/", recording_view, name="person"),
        path("people/", recording_list_view, name="people"),
        path("forgetful/<str:user_id>/", forgetful_view, name="forgetful"),
        path("plain/", plain_view, name="plain"),
        path("unmarked/", unmarked_view, name="unmarked"),
    ],
    "fake",
)

urlpatterns = [path("fake/", include(covered))]
