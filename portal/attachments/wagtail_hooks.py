"""Document text in the admin: what each upload's text became, and why one has none.

Staff see each document's status and reason (too large, encrypted, malformed, no text
layer), filter by status, and set one back to "Waiting to be read" to read it again after
fixing the file or raising a limit. Rights follow Wagtail's model permissions.
"""

from django.core.exceptions import PermissionDenied
from wagtail import hooks
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.viewsets.model import ModelViewSet

from . import extraction
from .models import DocumentText


class NoCreateView(CreateView):
    """Rows are written when documents are uploaded, never by hand."""

    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


class ReadAgainView(EditView):
    def save_instance(self):
        instance = super().save_instance()
        if instance.status == DocumentText.Status.PENDING:
            extraction.queue(instance.document)
        return instance


class DocumentTextViewSet(ModelViewSet):
    model = DocumentText
    icon = "doc-full"
    menu_label = "Document text"
    add_to_admin_menu = True
    menu_order = 410
    add_view_class = NoCreateView
    edit_view_class = ReadAgainView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["status"]
    list_display = ["document", "status", "reason", "page_count", "characters", "extracted_at"]
    list_filter = ["status", "extracted_at"]
    search_fields = ["document__title", "reason"]
    inspect_view_fields = [
        "document", "status", "reason", "page_count", "characters", "seconds",
        "extracted_at", "queued_at", "attempts", "last_error",
    ]  # fmt: skip
    list_export = ["document", "status", "reason", "page_count", "characters", "extracted_at"]
    export_filename = "document-text"


@hooks.register("register_admin_viewset")
def register_document_text_viewset():
    return DocumentTextViewSet("document_text")
