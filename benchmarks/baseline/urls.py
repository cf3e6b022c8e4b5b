from django.urls import include, path
from rest_framework.routers import DefaultRouter

from benchmarks.baseline import api

router = DefaultRouter()
router.register("cases", api.CaseViewSet, basename="case")

urlpatterns = [
    path("api/cases/statistics/", api.StatisticsView.as_view()),
    path("api/", include(router.urls)),
]
