from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path
from django.views.static import serve

from notes import views

urlpatterns = [
    path("", views.index),
    path("notes/<int:note_id>", views.detail),
    path("admin/", admin.site.urls),
    # Static files (the admin's included) as `collectstatic` left them in STATIC_ROOT, served
    # from the package: fine for an example; WhiteNoise, an S3 bucket or a CDN otherwise.
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATIC_ROOT}),
]
