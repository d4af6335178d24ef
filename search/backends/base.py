"""The interface every search backend implements, and the parts they share.

A backend answers `execute(params)` with raw hits and facet counts, using the
semantics in the README (OR within a facet, AND across facets, each facet
counted without its own selection). `search()` is the same for every backend:
it guards against text that no engine indexes, answers from `fallback` when
the backend is unavailable, and presents the answer (labels, escaped
snippets, paging) through `search.results`. Whether an answer may be cached
is the views' business: they read `results.fallback`.
"""

import logging

from django.utils.translation import gettext_lazy as _

from ..results import RawResults, present

logger = logging.getLogger(__name__)

FALLBACK_NOTICE = _(
    "The search service is not answering, so these results come from the site's database. "
    "They may be ranked a little differently."
)


class BackendUnavailable(Exception):
    """The engine failed, timed out or answered with an error."""


class BaseSearchBackend:
    label = "base"
    #: Whether documents must be pushed somewhere beyond the database store.
    uses_queue = False
    #: A backend that answers while this one is unavailable (None: the error propagates).
    fallback = None

    def __init__(self, **options):
        self.options = options

    @property
    def available(self):
        """False while the backend is known to be failing (a breaker is open)."""
        return True

    def search(self, params):
        """SearchResults for validated SearchParams, from this backend or its fallback."""
        if params.q and not params.text:
            # Text made only of words every engine ignores ("the", "of") matches nothing.
            return present(params, RawResults(total=0), backend=self.label)
        if self.available or self.fallback is None:
            try:
                return present(params, self.execute(params), backend=self.label)
            except BackendUnavailable as error:
                if self.fallback is None:
                    raise
                logger.warning("Search %s unavailable, answering from %s: %s",
                               self.label, self.fallback.label, error)  # fmt: skip
        raw = self.fallback.execute(params)
        return present(params, raw, backend=self.fallback.label, fallback=str(FALLBACK_NOTICE))

    def execute(self, params):
        """Return RawResults for validated SearchParams."""
        raise NotImplementedError

    # Index maintenance. The database store is already up to date when these run.

    def index(self, documents, deleted_page_ids=()):
        """Send stored documents to the engine; remove the touched pages' other documents."""

    def rebuild(self, documents, total, progress=None):
        """Build the engine's index from every stored document; return how many were indexed."""
        return total

    def status(self):
        """Engine health and document count, for `search_index status`."""
        return {"engine": self.label, "healthy": True}
