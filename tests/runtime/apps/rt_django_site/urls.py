from django.urls import path, re_path

from rt_django_site import views

urlpatterns = [
    path("hello", views.hello),
    re_path(r"^echo(?:/(?P<rest>.*))?$", views.echo, name="echo"),
    path("cookies", views.cookies),
    path("png", views.png),
    path("gzip", views.gzipped),
    path("url", views.url),
    path("boom", views.boom),
]
