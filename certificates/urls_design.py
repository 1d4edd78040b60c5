"""Certificate design and bulk-run pages under /certificates/ (included by
certificates/urls.py, same namespace)."""

from django.urls import path

from . import views_bulk, views_design

urlpatterns = [
    path("design/", views_design.design_overview, name="design_overview"),
    path("design/edit/", views_design.design_edit, name="design_edit"),
    path("design/discard/", views_design.design_discard_view, name="design_discard"),
    path("design/<int:pk>/", views_design.design_detail, name="design_detail"),
    path("design/<int:pk>/preview.pdf", views_design.design_preview, name="design_preview"),
    path("design/<int:pk>/preview.png", views_design.design_thumbnail,
         name="design_thumbnail"),
    path("design/<int:pk>/activate/", views_design.design_activate_view,
         name="design_activate"),
    path("design/<int:pk>/copy/", views_design.design_copy_view, name="design_copy"),
    path("bulk/", views_bulk.bulk_list, name="bulk_list"),
    path("bulk/rerender/", views_bulk.bulk_rerender, name="bulk_rerender"),
    path("bulk/issue-cohort/", views_bulk.bulk_issue_cohort, name="bulk_issue_cohort"),
    path("bulk/<int:pk>/", views_bulk.bulk_detail, name="bulk_detail"),
    path("bulk/<int:pk>/progress/", views_bulk.bulk_progress, name="bulk_progress"),
    path("bulk/<int:pk>/resume/", views_bulk.bulk_resume, name="bulk_resume"),
]
