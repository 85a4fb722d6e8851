from django.urls import path

from . import portal_views, views

app_name = "consents"
urlpatterns = [
    path("consents/patients/<int:patient_pk>/forms/<int:template_pk>/sign/", views.sign_in_clinic_view, name="sign"),
    path("consents/patients/<int:patient_pk>/forms/<int:template_pk>/send/", views.send_link_view, name="send"),
    path("consents/<int:pk>/", views.consent_detail_view, name="detail"),
    path("consents/<int:pk>/pdf/", views.consent_pdf_view, name="pdf"),
    path("consent/sign/", views.link_page_view, name="link-page"),
    path("consent/<str:token>/", views.link_landing_view, name="link"),
    path("portal/consents/", portal_views.my_consents_view, name="portal-list"),
    path("portal/consents/forms/<int:template_pk>/", portal_views.portal_form_view, name="portal-form"),
    path("portal/consents/<int:pk>/pdf/", portal_views.portal_pdf_view, name="portal-pdf"),
    path("portal/consents/<int:pk>/withdraw/", portal_views.portal_withdraw_view, name="portal-withdraw"),
    path("privacy/", views.privacy_view, name="privacy"),
]
