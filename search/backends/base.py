"""The interface every search backend implements, and the parts they share.

A backend answers `execute(params)` with raw hits and facet counts, using the
semantics in the README (OR within a facet, AND across facets, each facet
counted without its own selection). Labelling, escaping and paging live in
`search.results`, so every backend presents results the same way.
"""

from ..results import RawResults, present


class BaseSearchBackend:
    label = "base"
    #: Whether documents must be pushed somewhere beyond the database store.
    uses_queue = False

    def __init__(self, **options):
        self.options = options

    def search(self, params):
        # Text made only of words every engine ignores ("the", "of") matches nothing.
        raw = RawResults(total=0) if params.q and not params.text else self.execute(params)
        return present(params, raw, backend=self.label)

    def execute(self, params):
        """Return RawResults for validated SearchParams."""
        raise NotImplementedError

    # Index maintenance. The database store is already up to date when these run.

    def index(self, documents, deleted_keys=()):
        """Send stored documents to the engine and delete `deleted_keys` there."""

    def rebuild(self, documents, total, progress=None):
        """Build the engine's index from every stored document; return how many were indexed."""
        return total

    def status(self):
        """Engine health and document count, for `search_index status`."""
        return {"engine": self.label, "healthy": True}
