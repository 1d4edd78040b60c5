"""Pages under /certificates/ (namespace ``certificates``): the path to the next level and the
ready list, issued certificates and their administration, the design and bulk runs.

Public verification is under /verify/ (``verify_urls.py``, namespace ``verify``), the API under
/api/v1/ (``api_urls.py``).
"""

from django.urls import path

from .views import bulk, designs, issued, oid4vci
from .views import path as paths

app_name = "certificates"

urlpatterns = [
    path("path/", paths.my_path, name="my_path"),
    path("brokers/<int:user_id>/path/", paths.broker_path, name="broker_path"),
    path("brokers/<int:user_id>/requirement-set/", paths.broker_assign_set,
         name="broker_assign_set"),
    path("ready/", paths.ready_list, name="ready_list"),
    # Issued certificates.
    path("mine/", issued.my_certificates, name="my_certificates"),
    path("all/", issued.certificate_list, name="certificate_list"),
    path("<int:pk>/", issued.certificate_detail, name="certificate_detail"),
    path("<int:pk>/pdf/", issued.certificate_pdf, name="certificate_pdf"),
    path("<int:pk>/credential/", issued.certificate_credential, name="certificate_credential"),
    path("<int:pk>/wallet-offer/", oid4vci.wallet_offer, name="certificate_wallet_offer"),
    path("<int:pk>/holder-did/", oid4vci.holder_did, name="certificate_holder_did"),
    path("<int:pk>/revoke/", issued.certificate_revoke_view, name="certificate_revoke"),
    path("<int:pk>/reinstate/", issued.certificate_reinstate_view, name="certificate_reinstate"),
    path("<int:pk>/reissue/", issued.certificate_reissue_view, name="certificate_reissue"),
    path("<int:pk>/renew/", issued.certificate_renew_view, name="certificate_renew"),
    path("<int:pk>/unified-number/", issued.certificate_torch_number,
         name="certificate_torch_number"),
    path("issue/", issued.certificate_issue_manual, name="certificate_issue"),
    path("unified-numbers/", issued.torch_numbers, name="torch_numbers"),
    path("filing/", issued.filing, name="filing"),
    path("ecert/", issued.ecert, name="ecert"),
    # The certificate's design and bulk runs.
    path("design/", designs.design_overview, name="design_overview"),
    path("design/edit/", designs.design_edit, name="design_edit"),
    path("design/discard/", designs.design_discard_view, name="design_discard"),
    path("design/<int:pk>/", designs.design_detail, name="design_detail"),
    path("design/<int:pk>/preview.pdf", designs.design_preview, name="design_preview"),
    path("design/<int:pk>/preview.png", designs.design_thumbnail, name="design_thumbnail"),
    path("design/<int:pk>/activate/", designs.design_activate_view, name="design_activate"),
    path("design/<int:pk>/copy/", designs.design_copy_view, name="design_copy"),
    path("bulk/", bulk.bulk_list, name="bulk_list"),
    path("bulk/rerender/", bulk.bulk_rerender, name="bulk_rerender"),
    path("bulk/issue-cohort/", bulk.bulk_issue_cohort, name="bulk_issue_cohort"),
    path("bulk/<int:pk>/", bulk.bulk_detail, name="bulk_detail"),
    path("bulk/<int:pk>/progress/", bulk.bulk_progress, name="bulk_progress"),
    path("bulk/<int:pk>/resume/", bulk.bulk_resume, name="bulk_resume"),
]
