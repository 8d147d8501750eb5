"""Routes of the insights app: the page and its CSV."""

from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("", views.insights_page, name="index"),
    path("export.csv", views.insights_csv, name="export"),
]
