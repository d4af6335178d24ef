"""Copy every upload between the configured storage and a local folder (backup and restore).

scripts/backup.sh archives MEDIA_ROOT directly when uploads are on local disk; when they are
in a bucket (MEDIA_S3_BUCKET) it exports them into a staging folder first, and restore.sh
imports them back, through Django's storage API, so any storage backend works the same."""

from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError


def stored_names(storage, folder=""):
    """Every file name under `folder` in `storage`, recursively."""
    folders, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from stored_names(storage, f"{folder}/{sub}" if folder else sub)


class Command(BaseCommand):
    help = "Export the uploads from the storage into FOLDER, or import them from it."

    def add_arguments(self, parser):
        parser.add_argument("direction", choices=["export", "import"])
        parser.add_argument("folder")

    def handle(self, direction, folder, **options):
        root = Path(folder)
        if not root.is_dir():
            raise CommandError(f"{root} is not a directory")
        count = 0
        if direction == "export":
            for name in stored_names(default_storage):
                target = root / name
                if root.resolve() not in target.resolve().parents:
                    raise CommandError(f"refusing a stored name outside the folder: {name!r}")
                target.parent.mkdir(parents=True, exist_ok=True)
                with default_storage.open(name) as source, open(target, "wb") as handle:
                    for chunk in iter(lambda: source.read(1 << 20), b""):
                        handle.write(chunk)
                count += 1
        else:
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                name = path.relative_to(root).as_posix()
                if default_storage.exists(name):
                    default_storage.delete(name)  # the backup's copy wins, as tar's would
                with open(path, "rb") as handle:
                    saved = default_storage.save(name, File(handle))
                if saved != name:
                    raise CommandError(f"the storage renamed {name!r} to {saved!r}")
                count += 1
        verb = "exported to" if direction == "export" else "imported from"
        self.stdout.write(f"{count} files {verb} {root}")
