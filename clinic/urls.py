from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.settings import api_settings

from accounts import two_factor
from accounts import views as account_views
from accounts.api import TokenApi
from accounts.forms import LoginForm
from core import health
from core.admin_site import guard_admin_site
from portal import report_views as portal_report_views
from portal import session_links
from portal import views as portal_views
from records import views as records_views
from scheduling import views as scheduling_views

guard_admin_site(admin.site)

api_v1 = [
    # ObtainAuthToken names its own parsers: give it the project's (the depth-limited JSON parser).
    path("auth/token/", TokenApi.as_view(parser_classes=api_settings.DEFAULT_PARSER_CLASSES), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("patients.api_urls")),
    path("", include("procedures.api_urls")),
    path("", include("scheduling.api_urls")),
    path("", include("billing.api_urls")),
    path("", include("results.api_urls")),
    path("", include("portal.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("results.review_api_urls")),
    path("", include("results.compare_api_urls")),
]

urlpatterns = [
    path("", account_views.home, name="home"),
    path("favicon.ico", account_views.favicon, name="favicon"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/2fa/verify/", two_factor.verify_view, name="two-factor-verify"),
    path("accounts/2fa/setup/", two_factor.setup_view, name="two-factor-setup"),
    path("accounts/tokens/", account_views.api_tokens_view, name="api-tokens"),
    path("accounts/tokens/<int:pk>/revoke/", account_views.api_token_revoke_view, name="api-token-revoke"),
    path("accounts/password_reset/", account_views.ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("patients/", include("patients.urls")),
    path("patients/", include("records.urls")),
    path("patients/<int:pk>/", records_views.patient_record_view, name="patient-detail"),
    path("procedures/", include("procedures.urls")),
    path("scheduling/", include("scheduling.urls")),
    path("billing/", include("billing.urls")),
    path("request/", scheduling_views.public_request_view, name="public-request"),
    path("s/", session_links.session_link_page_view, name="session-link-page"),
    path("s/report/", portal_report_views.session_link_report_view, name="session-link-report-page"),
    path("s/<str:token>/report/", portal_report_views.session_link_report_landing_view, name="session-link-report"),
    path("s/<str:token>/", session_links.session_link_view, name="session-link"),
    path("portal/", include("portal.urls")),
    path("reports/", include("reports.urls")),
    path("results/", include("results.urls")),
    path("results/", include("results.compare_urls")),
    path("", include("results.public_urls")),
    path("", include("results.review_urls")),
    path("", include("consents.urls")),
    path("calendar/<str:secret>.ics", portal_views.feed_view, name="calendar-feed"),
    path("api/v1/", include(api_v1)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

handler403 = "accounts.views.permission_denied"
handler404 = "accounts.views.page_not_found"
handler500 = "accounts.views.server_error"
