"""The portal's URLs plus production's rendition route (SERVE_MEDIA), for tests."""

from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns
from portal.views import media_image

urlpatterns = [path("media/images/<path:path>", media_image, name="media_image")]
urlpatterns += portal_urlpatterns
