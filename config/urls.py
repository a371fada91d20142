from django.contrib import admin
from django.urls import path

handler500 = "core.errors.server_error"

admin.site.site_header = "Casetrack editors"
admin.site.site_title = "Casetrack admin"
admin.site.index_title = "Records"

urlpatterns = [
    path("admin/", admin.site.urls),
]
