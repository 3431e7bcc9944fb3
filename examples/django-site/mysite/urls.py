from django.contrib import admin
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import path, re_path

from notes import views

urlpatterns = [
    path("", views.index),
    path("notes/<int:note_id>", views.detail),
    path("admin/", admin.site.urls),
    # Static files (the admin's included) found by the staticfiles finders and served from
    # the package itself: fine for an example, an S3 bucket or a CDN in production.
    re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}),
]
