"""Every REST endpoint under /api/v1/, collected from the apps' api modules."""

from django.urls import include, path

from academy.people import api as people_api

urlpatterns = [
    path("me/", people_api.MeView.as_view(), name="api-me"),
    path("users/roles/", people_api.UserRolesListView.as_view(), name="api-user-roles-list"),
    path("users/<int:user_id>/roles/", people_api.UserRolesView.as_view(), name="api-user-roles"),
    path("", include("courses.api_urls")),
    path("", include("certificates.api_urls")),
    path("", include("academy.people.practice.api_urls")),
    path("", include("exams.api_urls")),
    path("", include("talent.api_urls")),
    path("", include("academy.notifications.api_urls")),
]
