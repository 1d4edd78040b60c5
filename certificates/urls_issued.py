"""Certificate pages under /certificates/ (included by certificates/urls.py, same namespace)."""

from django.urls import path

from . import views_issued as views
from . import views_oid4vci

urlpatterns = [
    path("mine/", views.my_certificates, name="my_certificates"),
    path("all/", views.certificate_list, name="certificate_list"),
    path("<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("<int:pk>/credential/", views.certificate_credential, name="certificate_credential"),
    path("<int:pk>/wallet-offer/", views_oid4vci.wallet_offer, name="certificate_wallet_offer"),
    path("<int:pk>/holder-did/", views_oid4vci.holder_did, name="certificate_holder_did"),
    path("<int:pk>/revoke/", views.certificate_revoke_view, name="certificate_revoke"),
    path("<int:pk>/reinstate/", views.certificate_reinstate_view, name="certificate_reinstate"),
    path("<int:pk>/reissue/", views.certificate_reissue_view, name="certificate_reissue"),
    path("<int:pk>/renew/", views.certificate_renew_view, name="certificate_renew"),
    path("<int:pk>/unified-number/", views.certificate_torch_number,
         name="certificate_torch_number"),
    path("issue/", views.certificate_issue_manual, name="certificate_issue"),
    path("unified-numbers/", views.torch_numbers, name="torch_numbers"),
    path("filing/", views.filing, name="filing"),
    path("ecert/", views.ecert, name="ecert"),
]
