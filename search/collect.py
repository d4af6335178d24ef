"""Which pages are searched, and their documents: one page's, or many pages' in a few
queries per page type (for rebuilds). The document itself is declared in search/documents.py."""

from collections import defaultdict

from wagtail.models import Page, Site, get_page_models

from .documents import DocumentBuilder, batched

#: What documents read beyond a page's own row, fetched once per batch for the page types that
#: have the first relation of each: taxonomy, related studies, the child rows in search_fields,
#: a supplement's articles. Related studies are fetched without their body and then shared, one
#: instance per study, with what they give (their countries follow their locations).
PREFETCH = (
    "countries",
    "topics",
    "locations__country",
    "objectives",
    "key_messages",
    "recommendations",
    "articles",
)
#: Many-to-many relations to pages: each related page is fetched once per batch (a study is
#: shown by many outputs), without its body, with what it gives (countries follow locations).
RELATED_PAGES = ("studies",)
RELATED_PAGE_PREFETCH = ("locations__country", "topics")


def _prefetches(model):
    names = {field.name for field in model._meta.get_fields()}
    names |= {getattr(field, "related_name", None) for field in model._meta.get_fields()}
    return [lookup for lookup in PREFETCH if lookup.split("__")[0] in names]


def _share_related_pages(items):
    """Fill the items' many-to-many relations to pages (RELATED_PAGES) as prefetch_related
    would, in the related model's order, with one instance per related page."""
    by_relation = defaultdict(list)
    for item in items:
        for name in RELATED_PAGES:
            field = next((f for f in item._meta.many_to_many if f.name == name), None)
            if field is not None:
                by_relation[(type(item), field)].append(item)
    links, wanted = {}, defaultdict(set)
    for (model, field), group in by_relation.items():
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        rows = through.objects.filter(**{f"{source}_id__in": [item.pk for item in group]})
        links[(model, field)] = rows.values_list(f"{source}_id", f"{target}_id")
        wanted[field.related_model].update(target for _, target in links[(model, field)])
    shared = {}
    for related, pks in wanted.items():
        pages = related.objects.filter(pk__in=pks).defer_streamfields()
        names = {field.name for field in related._meta.get_fields()}
        lookups = [lookup for lookup in RELATED_PAGE_PREFETCH if lookup.split("__")[0] in names]
        fetched = list(pages.prefetch_related(*lookups))
        order = {page.pk: number for number, page in enumerate(fetched)}
        shared[related] = (order, {page.pk: page for page in fetched})
    for (model, field), group in by_relation.items():
        order, pages = shared[field.related_model]
        targets = defaultdict(list)
        for source, target in links[(model, field)]:
            targets[source].append(target)
        for item in group:
            manager = getattr(item, field.name)
            queryset = manager.get_live_queryset()  # what prefetch_related caches, filled
            queryset._result_cache = [pages[pk] for pk in sorted(targets[item.pk], key=order.get)]
            queryset._prefetch_done = True
            item.__dict__.setdefault("_prefetched_objects_cache", {})[field.name] = queryset


def documents_for_pages(pages, known_public=False):
    """The documents of many pages (any iterable of them, specific or not), the same as
    `documents_for` gives each, with what they read fetched in a few queries per page type
    (related rows, parents, the sites' root paths, study keys, taxonomy labels) instead of a
    few per page. For rebuilds: the lookups see the database as it is when the batch starts."""
    pages = list(pages)
    by_model = defaultdict(list)
    for page in pages:
        by_model[page.specific_class].append(page.pk)
    specific = {}
    for model, pks in by_model.items():
        if model is None or getattr(model, "search_result_type", None) is None:
            continue
        queryset = model.objects.filter(pk__in=pks).select_related("locale")
        specific.update((page.pk, page) for page in queryset.prefetch_related(*_prefetches(model)))
    found = [specific[page.pk] for page in pages if page.pk in specific]
    parts = [
        item
        for page in found
        for cache in getattr(page, "_prefetched_objects_cache", {}).values()
        for item in cache._result_cache
    ]
    _share_related_pages([*found, *parts])
    parents = Page.objects.filter(path__in={page.path[: -Page.steplen] for page in found})
    parents = {parent.path: parent for parent in parents.only("pk", "path", "depth")}
    root_paths = Site.get_site_root_paths()
    for page in found:
        page._cached_parent_obj = parents.get(page.path[: -Page.steplen])  # for get_parent()
        page._wagtail_cached_site_root_paths = root_paths  # for get_url()
    with batched():
        return [doc for page in found for doc in documents_for(page, known_public=known_public)]


# --- Which pages ------------------------------------------------------------------------


def indexed_models():
    """Page types that declare a search result type."""
    return [model for model in get_page_models() if getattr(model, "search_result_type", None)]


def result_types():
    """The declared result types, by their facet value."""
    return {model.search_result_type.value: model.search_result_type for model in indexed_models()}


def is_indexed(page):
    """Whether pages of this one's type are search results."""
    return getattr(page.specific_class or type(page), "search_result_type", None) is not None


def documents_for(page, known_public=False):
    """The documents a live, public page contributes (none if it is not searchable, or an
    alias: an alias shows another page, which has its documents in its own language)."""
    page = page.specific
    if not is_indexed(page) or not page.live or page.alias_of_id:
        return []
    if not known_public and page.get_view_restrictions().exists():
        return []
    return [DocumentBuilder(item).build() for item in page.search_documents()]


def live_indexed_pages(specific=True):
    """Every page that may contribute documents, for rebuilds."""
    pages = Page.objects.live().public().type(*indexed_models()).filter(alias_of__isnull=True)
    return pages.specific() if specific else pages
