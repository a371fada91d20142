from django.conf import settings
from django.urls import path, re_path
from django.views.decorators.csp import csp_override
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

# The third-party Swagger UI and Redoc pages carry an inline bootstrap script and style; the
# site-wide policy forbids inline code, so only these two documentation pages relax it.
DOCS_CSP = {
    **settings.SECURE_CSP,
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "worker-src": ["'self'", "blob:"],
}
docs_csp = csp_override(DOCS_CSP)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs_csp(SpectacularSwaggerView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", docs_csp(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
    *router.urls,
    # Anything else under /api/ is a JSON 404, never the site's HTML page.
    re_path(r"^[\s\S]*$", views.not_found, name="not-found"),
]
