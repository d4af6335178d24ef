"""Which documents a page links to, their text, and where in it a snippet came from.

Links come from Wagtail's reference index, which records every chooser, foreign key and
rich-text link of a page and of its inline children, so a PDF linked from a body is found
as well as a brief's own PDF field.
"""

from django.contrib.contenttypes.models import ContentType
from wagtail.documents import get_document_model
from wagtail.models import Page, ReferenceIndex

from .models import DocumentText


def _types():
    return (
        ContentType.objects.get_for_model(Page),
        ContentType.objects.get_for_model(get_document_model()),
    )


def references(page_ids=None):
    """{page id: [(content path, document id)]}: documents linked from these pages (all)."""
    page_type, document_type = _types()
    rows = ReferenceIndex.objects.filter(base_content_type=page_type, to_content_type=document_type)
    if page_ids is not None:
        rows = rows.filter(object_id__in=[str(pk) for pk in page_ids])
    found = {}
    for object_id, path, document_id in rows.values_list(
        "object_id", "content_path", "to_object_id"
    ):
        found.setdefault(int(object_id), []).append((path, int(document_id)))
    return found


def own_documents(item, page, links):
    """Of a page's `links`, the document ids that belong to `item`: the page itself, or an
    inline child of it (a supplement's article). A child's links are under its relation and
    pk (`articles.12.document`); a page's own leave out the children that are items of
    their own (their model has `search_page`), so an article's PDF is not the supplement's."""
    if item is page:
        parts = {
            relation.get_accessor_name()
            for relation in type(page)._meta.related_objects
            if hasattr(relation.related_model, "search_page")
        }
        chosen = [pk for path, pk in links if path.split(".", 1)[0] not in parts]
    else:
        relation = _relation_name(item)
        prefix = f"{relation}.{item.pk}."
        chosen = [pk for path, pk in links if path.startswith(prefix)]
    return list(dict.fromkeys(chosen))


def _relation_name(item):
    for field in type(item)._meta.fields:
        if getattr(field, "remote_field", None) and field.name == "page":
            return field.remote_field.related_name
    return ""


def texts(document_ids):
    """{document id: its pages' text}, for the documents whose text was read."""
    rows = DocumentText.objects.filter(
        document_id__in=list(document_ids), status=DocumentText.Status.TEXT
    )
    return dict(rows.values_list("document_id", "pages"))


def pages_linking(document):
    """Ids of the pages that link to `document` (their search documents hold its text)."""
    page_type, _document_type = _types()
    rows = ReferenceIndex.get_references_to(document).filter(base_content_type=page_type)
    return {int(pk) for pk in rows.values_list("object_id", flat=True)}


def read_texts(document_ids):
    """{document id: DocumentText with its document}, the read ones, in one query."""
    rows = DocumentText.objects.filter(
        document_id__in=set(document_ids), status=DocumentText.Status.TEXT
    ).select_related("document")
    return {row.document_id: row for row in rows}


def locate(document_ids, words, focus=0, rows=None):
    """(document, page number) of the first of these documents whose page holds the
    snippet's `words` around `words[focus]` (the first matched word), else (None, None). A
    snippet may span two pages: the longest run of its words that holds the focus and is
    found on one page decides."""
    words = [word for word in words if word]
    if not words or not document_ids:
        return None, None
    rows = read_texts(document_ids) if rows is None else rows  # `rows`: read_texts(), shared
    documents = [rows[pk] for pk in document_ids if pk in rows]
    focus = min(max(focus, 0), len(words) - 1)
    for size in range(len(words), 0, -1):
        for start in range(max(0, focus - size + 1), min(focus, len(words) - size) + 1):
            piece = " ".join(words[start : start + size])
            for row in documents:
                for number, text in enumerate(row.pages, start=1):
                    if piece in text:
                        return row.document, number
    return None, None
