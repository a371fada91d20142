from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import views

app_name = "api"

router = DefaultRouter()
router.register("companies", views.CompanyViewSet, basename="company")
router.register("authorities", views.AuthorityViewSet, basename="authority")
router.register("laws", views.LawViewSet, basename="law")
router.register("lawsuits", views.LawsuitViewSet, basename="lawsuit")
router.register("settlements", views.SettlementViewSet, basename="settlement")
router.register("violations", views.ViolationViewSet, basename="violation")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    *router.urls,
    # Anything else under /api/ is a JSON 404, never the site's HTML page.
    re_path(r"^[\s\S]*$", views.not_found, name="not-found"),
]
