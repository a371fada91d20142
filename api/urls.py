from django.conf import settings
from django.urls import path, re_path
from django.views.decorators.csp import csp_override
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
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

# Redoc's bundle inserts two <style> elements as it loads, before Redoc.init can hand it the
# page's nonce (its later, generated styles carry the nonce): they are allowed by their
# hashes, which stay fixed for the pinned drf-spectacular-sidecar Redoc. Its search index
# runs in a Worker made from a blob: address. Still no 'unsafe-inline' anywhere; the
# browser test (tests/browser/test_api_docs.py) fails if the bundle changes.
REDOC_CSP = {
    **settings.SECURE_CSP,
    "style-src": [
        *settings.SECURE_CSP["style-src"],
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # an empty <style>
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar's CSS
    ],
    "worker-src": ["'self'", "blob:"],
}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Both documentation pages run under the site-wide policy, like every other page: their
    # templates (templates/drf_spectacular/) load every script and style from a file; the
    # split view serves Swagger UI's start-up script from /api/docs/?script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path(
        "redoc/",
        csp_override(REDOC_CSP)(SpectacularRedocView.as_view(url_name="api:schema")),
        name="redoc",
    ),
    *router.urls,
    # Anything else under /api/ is a JSON 404, never the site's HTML page.
    re_path(r"^[\s\S]*$", views.not_found, name="not-found"),
]
