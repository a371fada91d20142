"""Public addresses. Company pages live here (not in companies/) because they show cases,
and companies may not import cases; config/urls.py mounts them under the companies namespace.
"""

from django.urls import path
from django.views.decorators.http import require_safe

from cases import views
from cases.feeds import LatestRecordsFeed

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
    path("settlements/", views.settlement_list, name="settlements"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement-detail"),
    path("violations/", views.violation_list, name="violations"),
    path("violations/<int:pk>/", views.violation_detail, name="violation-detail"),
    path("lawsuits/", views.lawsuit_list, name="lawsuits"),
    path("lawsuits/<slug:slug>/", views.lawsuit_detail, name="lawsuit-detail"),
    path("authorities/<slug:slug>/", views.authority_detail, name="authority-detail"),
    path("laws/<slug:slug>/", views.law_detail, name="law-detail"),
    path("stats/", views.stats, name="stats"),
    path("search/", views.search_page, name="search"),
    path("feeds/latest/", require_safe(LatestRecordsFeed()), name="feed-latest"),
]

company_urlpatterns = (
    [
        path("", views.company_list, name="list"),
        path("<slug:slug>/", views.company_detail, name="detail"),
        path("<slug:slug>/feed/", views.company_feed, name="feed"),
    ],
    "companies",
)
