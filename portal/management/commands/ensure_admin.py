"""Create the first admin from the environment, or say how to (used by `make run`)."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create a superuser from DJANGO_SUPERUSER_USERNAME/PASSWORD[/EMAIL] if none exists; "
        "else print how to log in."
    )

    def handle(self, *args, **options):
        users = get_user_model().objects
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        login = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/admin/"
        if username and password and not users.filter(username=username).exists():
            email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
            users.create_superuser(username=username, email=email, password=password)
            self.stdout.write(f"Admin user “{username}” created. Log in at {login}")
        elif users.filter(is_superuser=True).exists():
            self.stdout.write(f"Log in to the admin at {login} with your existing admin account.")
        else:
            self.stdout.write(
                "No admin user yet. Create one with:\n"
                "    .venv/bin/python manage.py createsuperuser\n"
                "or run `make run` with DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD "
                "set.\n"
                f"Then log in at {login}"
            )
