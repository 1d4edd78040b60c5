from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from academy.notifications import views as notification_views
from academy.ui import views as ui_views
from certificates.views import issued as certificate_views
from certificates.views import oid4vci as certificate_oid4vci

admin.site.site_header = _("Broker Academy back office")
admin.site.site_title = _("Broker Academy")
admin.site.index_title = _("Administration")

handler404 = "academy.api.not_found"

urlpatterns = [
    path("healthz", ui_views.healthz, name="healthz"),
    # Stored files (evidence, certificate PDFs, exports) are private: each is served by its
    # own view that checks who asks. Nothing serves the storage by path, in any settings
    # module (the demo's DEBUG included).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", ui_views.media_refused,
         name="media-refused"),
    path(".well-known/jwks.json", certificate_views.jwks, name="well-known-jwks"),
    path(".well-known/did.json", certificate_views.did_json, name="well-known-did"),
    path(".well-known/openid-credential-issuer", certificate_oid4vci.credential_issuer_metadata,
         name="well-known-openid-credential-issuer"),
    path(".well-known/oauth-authorization-server", certificate_oid4vci.oauth_server_metadata,
         name="well-known-oauth-authorization-server"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Outside the language prefixes: a subscribed feed's address never changes.
    path("calendar/<str:token>.ics", notification_views.calendar_feed, name="calendar_feed"),
    path("api/v1/", include("academy.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("people/", include("academy.people.urls")),
    path("courses/", include("courses.urls")),
    path("exams/", include("exams.urls")),
    path("certificates/", include("certificates.urls")),
    path("verify/", include("certificates.verify_urls")),
    path("talent/", include("talent.urls")),
    path("notifications/", include("academy.notifications.urls")),
    path("glossary/", ui_views.glossary, name="glossary"),
    path("", ui_views.home, name="home"),
    prefix_default_language=False,
)
