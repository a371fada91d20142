from django.contrib import admin
from django.urls import include, path

from cases.urls import company_urlpatterns

handler500 = "core.errors.server_error"

admin.site.site_header = "Casetrack editors"
admin.site.site_title = "Casetrack admin"
admin.site.index_title = "Records"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("companies/", include(company_urlpatterns)),
    path("", include("cases.urls")),
]
