"""A deterministic synthetic corpus, so search can be benchmarked and tested at scale.

Page types allow no single root (outputs need index pages below home), so the
corpus has a few roots, each titled "Synthetic: …" with a `synthetic-` slug.
Every text carries MARKER and taxonomy rows are named "Synthetic topic/org …",
which is how `clear_corpus` finds exactly what `generate_corpus` made.
Countries are real ISO 3166-1 rows: reused by code, and kept on clear.

With `languages=("en", "fr", "pt")` (`--languages en,fr,pt`) the corpus is trilingual: the
English corpus, then a copy of it in each other locale, page for page (the same tree, dates
and taxonomy, each page a translation sharing its source's translation_key), its words
drawn from that language's vocabulary at the same positions: French and Portuguese
public-health words, accented ones included, so search's folding is exercised. Each
language's pages hang below that locale's home (a synthetic one when the site has none),
and topics and organizations get translations.

Development tooling, not part of the site: `python -m bench.corpus generate --pages N
[--seed S] [--languages en,fr,pt] [--clear] [--no-index]` and `python -m bench.corpus
clear`, on the database that DJANGO_SETTINGS_MODULE and DATABASE_URL name (development
settings by default).
"""

import argparse
import os
import sys
from pathlib import Path

if __name__ == "__main__":  # `python -m bench.corpus` or `python bench/corpus.py`: Django first
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    import django

    django.setup()

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.db.models import Q
from wagtail.models import Page, PageLogEntry, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from bench.corpus_builder import CorpusBuilder
from bench.corpus_data import (
    HOME_SLUG,
    MIN_PAGES,
    ORG_PREFIX,
    PREFIX,
    ROOTS,
    TOPIC_PREFIX,
    VOCABULARIES,
    CorpusError,
)
from portal.bulk import delete_receivers_muted


def synthetic_roots():
    slugs = Q(slug__in=ROOTS) | Q(slug__startswith=HOME_SLUG, depth=2)
    return Page.objects.filter(slugs, title__startswith=PREFIX)


def corpus_exists():
    topic = apps.get_model("research.Topic")
    return (
        synthetic_roots().exists() or topic.objects.filter(name__startswith=TOPIC_PREFIX).exists()
    )


def generate_corpus(pages, seed=1, stdout=None, index=True, languages=None):
    """Build the corpus; returns counts per page type (by model label) plus totals and timing.

    `languages`: the locales' codes, the default language first (default: it alone); each
    language gets pages // len(languages) pages, the others translations of the first's."""
    default = settings.LANGUAGE_CODE
    codes = list(dict.fromkeys(languages or [default]))
    if codes[0] != default or any(code not in VOCABULARIES for code in codes):
        raise CorpusError(
            f"Languages must start with the default language, {default!r}, and be among "
            f"{', '.join(VOCABULARIES)} (got {', '.join(codes)})."
        )
    if pages // len(codes) < MIN_PAGES:
        raise CorpusError(f"Ask for at least {MIN_PAGES} pages in each language.")
    if corpus_exists():
        raise CorpusError("A synthetic corpus exists already: clear it first (generate --clear).")
    source = CorpusBuilder(pages // len(codes), seed, stdout)
    counts = source.run(index=index)
    totals = {"languages": {codes[0]: counts["pages"]}}
    for code in codes[1:]:
        translated = CorpusBuilder(pages // len(codes), seed, stdout, language=code, source=source)
        more = translated.run(index=index)
        totals["languages"][code] = more["pages"]
        for name, value in more.items():
            if isinstance(value, int) and name not in ("countries", "new_countries"):
                counts[name] = counts.get(name, 0) + value
        counts["seconds"] = round(counts["seconds"] + more["seconds"], 1)
    return {**counts, **totals}


def clear_corpus(stdout=None):
    """Delete the synthetic roots (with everything below them) and the synthetic topics and
    organizations.

    Django deletes the pages' rows table by table, without the per-row delete signals (a
    page at a time took 50 ms); what their receivers would do is done here in bulk: the
    pages' search documents are queued for removal (with the pages that showed them as their
    study or topic), reference-index and log rows go, and the page cache is purged once.
    """
    from portal.cache_purge import purge_all
    from search.indexing import request_update

    log = stdout.write if stdout else (lambda message: None)
    topic_model = apps.get_model("research.Topic")
    org_model = apps.get_model("research.Organization")
    with transaction.atomic(), disable_reference_index_auto_update():
        roots = []
        for root in synthetic_roots().order_by("path"):  # a synthetic home holds its roots
            if not any(root.path.startswith(outer.path) for outer in roots):
                roots.append(root)
        below = Q(pk__in=[])
        for root in roots:
            below |= Q(path__startswith=root.path)
        page_ids = list(Page.objects.filter(below).values_list("pk", flat=True))
        live = Page.objects.filter(below, live=True).exists()
        stale = _documents_to_remove(page_ids)
        with delete_receivers_muted():
            for root in roots:
                Page.objects.filter(pk=root.pk).delete()  # treebeard: descendants, numchild
            page_type = ContentType.objects.get_for_model(Page)
            for chunk in _chunks(page_ids):
                ReferenceIndex.objects.filter(
                    base_content_type=page_type, object_id__in=map(str, chunk)
                ).delete()
                PageLogEntry.objects.filter(page_id__in=chunk).delete()
            topics = topic_model.objects.filter(name__startswith=TOPIC_PREFIX).delete()[1]
            orgs = org_model.objects.filter(name__startswith=ORG_PREFIX).delete()[1]
        request_update(stale)
        if live:
            transaction.on_commit(purge_all)
    topics, orgs = topics.get("research.Topic", 0), orgs.get("research.Organization", 0)
    log(
        f"Cleared the synthetic corpus: {len(page_ids)} pages, {topics} topics, {orgs} "
        "organizations."
    )
    return {"pages": len(page_ids), "topics": topics, "organizations": orgs}


def _documents_to_remove(page_ids):
    """The pages to re-index when these are deleted: those with search documents, and those
    whose documents name the synthetic topics or these pages as their study."""
    from search.indexing import pages_referencing
    from search.models import SearchDocument

    study = apps.get_model("research.StudyPage")
    topics = apps.get_model("research.Topic").objects.filter(name__startswith=TOPIC_PREFIX)
    stale = pages_referencing("topic", list(topics.values_list("slug", flat=True)))
    for chunk in _chunks(page_ids):
        documents = SearchDocument.objects.filter(page_id__in=chunk)
        stale |= set(documents.values_list("page_id", flat=True))
        slugs = study.objects.filter(pk__in=chunk).values_list("slug", flat=True)
        stale |= pages_referencing("study", list(slugs))
    return stale


def _chunks(items, size=900):
    """Slices short enough for SQLite's limit on a query's parameters."""
    return (items[start : start + size] for start in range(0, len(items), size))


def main(argv=None):
    """`python -m bench.corpus generate --pages N [--seed S] [--languages en,fr,pt] [--clear]
    [--no-index]`, or `clear`."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.corpus",
        description="The deterministic synthetic corpus (titles 'Synthetic: …') below the home "
        "page, for search benchmarks and tests. Uses DJANGO_SETTINGS_MODULE and DATABASE_URL "
        "(development settings by default).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="Build a corpus of N pages of every type.")
    generate.add_argument(
        "--pages", type=int, required=True, help=f"Pages to create (at least {MIN_PAGES})."
    )
    generate.add_argument(
        "--seed", type=int, default=1, help="Random seed; the same seed gives the same corpus."
    )
    generate.add_argument(
        "--languages",
        default=settings.LANGUAGE_CODE,
        help="Comma-separated locales, the default first (e.g. en,fr,pt): N pages in all, "
        "each language a page-for-page translation of the first, in its own vocabulary.",
    )
    generate.add_argument(
        "--clear", action="store_true", help="Delete a previously generated corpus first."
    )
    generate.add_argument(
        "--no-index", action="store_true", help="Leave the pages out of Wagtail's search index."
    )
    commands.add_parser("clear", help="Delete the corpus; countries (real data) stay.")
    args = parser.parse_args(argv)
    if args.command == "generate" and args.pages < MIN_PAGES:  # before --clear deletes anything
        parser.error(f"--pages must be at least {MIN_PAGES}, so that every page type is present.")
    stdout = OutputWrapper(sys.stdout)
    try:
        if args.command == "clear" or args.clear:
            clear_corpus(stdout=stdout)
        if args.command == "generate":
            generate_corpus(args.pages, seed=args.seed, stdout=stdout, index=not args.no_index,
                            languages=args.languages.split(","))  # fmt: skip
    except CorpusError as error:
        parser.exit(1, f"{parser.prog}: {error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
