from django.urls import path

from . import views

app_name = "search_alerts"
urlpatterns = [
    path("", views.new, name="new"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("stop/<str:token>/", views.stop, name="stop"),
    path("manage/<str:token>/", views.manage, name="manage"),
]
