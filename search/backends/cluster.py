"""What the Elasticsearch and OpenSearch backends share: the query and the index.

The query is built with elasticsearch-dsl; its body is the same for both
engines, only the client that sends it differs (see `elasticsearch.py` and
`opensearch.py`). When the cluster fails or is slower than TIMEOUT seconds,
searches answer from the database backend and say so (and are not stored in
the page cache), and for RETRY_AFTER seconds the cluster is not asked again,
so readers do not each wait for it.
"""

import collections
import contextlib
import itertools
import logging
from concurrent.futures import ThreadPoolExecutor

import elasticsearch_dsl as dsl
from django.utils import timezone

from portal.retry import Breaker

from .. import languages
from ..documents import (
    FACET_FIELDS,
    FIELDS,
    FIELDS_BY_NAME,
    HIGHLIGHT_MARKERS,
    TEXT_FIELDS,
    hit_from_source,
    source_fields,
)
from ..facets import FACETS
from ..results import RawResults
from .base import BackendUnavailable, BaseSearchBackend
from .database import LITERAL_FIRST, DatabaseBackend

logger = logging.getLogger(__name__)


class ClusterBackend(BaseSearchBackend):
    label = "cluster"
    uses_queue = True
    #: Client exception classes meaning "the cluster did not answer properly".
    client_errors = ()
    #: A rebuild reports its progress every this many documents.
    progress_every = 500
    #: Seconds a bulk request of 1,000 documents may take: a reader's TIMEOUT (2 s) is for
    #: searches, and a rebuild on a loaded node failed under it.
    bulk_timeout = 60.0
    #: Documents per bulk request.
    bulk_chunk = 1000

    def __init__(
        self,
        URL,
        INDEX="portal",
        TIMEOUT=2.0,
        ANALYZER="",
        RETRY_AFTER=15,
        COMPRESS=False,
        BULK_THREADS=2,
        **options,
    ):
        super().__init__(**options)
        self.url = URL
        # gzip for requests and answers: for a cluster across a slow link. Next to the
        # portal it only costs CPU on both ends (a rebuild ran 1.1-1.3x slower with it).
        self.compress = bool(COMPRESS)
        # Bulk requests a rebuild keeps in flight while this thread prepares the next.
        self.bulk_threads = max(1, int(BULK_THREADS))
        self.alias = INDEX
        self.timeout = float(TIMEOUT)
        # "": each language's own analyser (search/languages.py); a built-in analyser's name
        # ("standard") analyses every language with it, for a node without analysis-common.
        self.analyzer = ANALYZER
        self.retry_after = float(RETRY_AFTER)
        self._client = None
        # This process's: a search checks it every time, so it costs no cache read.
        self.breaker = Breaker(f"search:{INDEX}", RETRY_AFTER, shared=False)
        self.fallback = DatabaseBackend()

    # --- the client, which subclasses provide ---------------------------------

    def make_client(self):
        raise NotImplementedError

    def bulk(self, actions):
        """Send bulk actions in one request; return the number indexed."""
        raise NotImplementedError

    def bulk_in_flight(self, actions):
        """Send actions `bulk_chunk` at a time with up to `bulk_threads` requests in flight,
        so the engine indexes one chunk while this thread reads and prepares the next (the
        store is read here, in the caller's thread and transaction); the number indexed."""
        indexed = 0
        actions = iter(actions)
        with ThreadPoolExecutor(self.bulk_threads, thread_name_prefix="bulk") as pool:
            in_flight = collections.deque()
            while chunk := list(itertools.islice(actions, self.bulk_chunk)):
                if len(in_flight) == self.bulk_threads:
                    indexed += in_flight.popleft().result()
                in_flight.append(pool.submit(self.bulk, chunk))
            while in_flight:
                indexed += in_flight.popleft().result()
        return indexed

    @property
    def client(self):
        if self._client is None:
            self._client = self.make_client()
        return self._client

    def call(self, method, *args, **kwargs):
        """Call the client; its failures become BackendUnavailable (and trip the breaker)."""
        try:
            return method(*args, **kwargs)
        except self.client_errors as error:
            self.breaker.trip()
            raise BackendUnavailable(f"{type(error).__name__}: {error}") from error

    @property
    def available(self):
        return not self.breaker.is_open

    # --- searching ----------------------------------------------------------------

    def execute(self, params):
        hits_body, counts_body = self.requests(params)
        response, counted = self.msearch(hits_body, counts_body)
        field_of = {  # `summary_fr` -> `summary`
            field.in_language(code): field.name
            for field in TEXT_FIELDS
            for code in languages.codes()
        }
        found = response["hits"]["hits"]
        pdfs = self.attachment_highlights(hits_body, found, params)
        hits = [
            hit_from_source(
                hit["_source"],
                {
                    field_of[name]: " … ".join(parts)
                    for name, parts in {
                        **hit.get("highlight", {}),
                        **pdfs.get(hit["_id"], {}),
                    }.items()
                },
            )
            for hit in found
        ]
        aggregations = counted.get("aggregations", {})
        counts = {
            facet.name: {
                bucket["key"]: bucket["doc_count"]
                for bucket in aggregations[f"_filter_{facet.name}"][facet.name]["buckets"]
            }
            for facet in FACETS
        }
        return RawResults(total=counted["hits"]["total"]["value"], hits=hits, facet_counts=counts)

    def msearch(self, *bodies):
        """The searches' answers, in one request to the alias."""
        lines = [line for body in bodies for line in ({"index": self.alias}, body)]
        answers = self.call(self.client.msearch, body=lines)["responses"]
        for answer in answers:
            if "error" in answer:  # msearch answers 200 with each search's own failure
                self.breaker.trip()
                raise BackendUnavailable(f"search failed: {answer['error']}")
        return answers

    def attachment_highlights(self, hits_body, found, params):
        """{document id: highlight} of the PDFs' text, asked only for the hits whose own
        summary and body did not match and that link a PDF, as on the database backend: a
        PDF's text is long, and highlighting it for every hit was a fifth of a deep page."""
        wanted = [
            hit["_id"]
            for hit in found
            if hit["_source"].get("attachment_ids") and not hit.get("highlight")
        ]
        if not wanted or "highlight" not in hits_body:
            return {}
        fields = {
            FIELDS_BY_NAME["attachments"].in_language(code): {
                "fragment_size": 200,
                "number_of_fragments": 1,
            }
            for code, query in params.text.matching()
            if query.positive
        }
        body = {
            "query": {
                "bool": {"must": [hits_body["query"]], "filter": [{"ids": {"values": wanted}}]}
            },
            "size": len(wanted),
            "_source": False,
            "highlight": {**hits_body["highlight"], "fields": fields},
        }
        (answer,) = self.msearch(body)
        return {hit["_id"]: hit.get("highlight", {}) for hit in answer["hits"]["hits"]}

    def requests(self, params):
        """The search as two requests sent together: the page of hits, and the total with the
        facet counts. The counts are most of the engine's work and do not change with the
        page or the sort, so they go in a size-0 search, which the engine keeps in its request
        cache until the index changes; the two run side by side, and the hits need not count
        every match (track_total_hits off lets the engine skip what cannot make the page).
        Only the counts need the selections apart from the query (each facet counts without
        its own); the hits read them as one more filter."""
        body = self.build(params).to_dict()
        counts = {name: body[name] for name in ("query", "post_filter", "aggs") if name in body}
        hits = {name: value for name, value in body.items() if name not in ("aggs", "post_filter")}
        if "post_filter" in body:
            # The selections as a filter of the query: the engine then skips what they leave
            # out instead of scoring it first (a faceted search's p95 fell from 7 to 5 ms).
            query = [body["query"]] if "query" in body else []
            hits["query"] = {"bool": {"must": query, "filter": [body["post_filter"]]}}
        return {**hits, "track_total_hits": False}, {**counts, "size": 0, "track_total_hits": True}

    def text_match(self, code, query):
        """One language's reading of the text. With equivalent terms: the words as typed or
        the expanded query, scored as the better of the first and LITERAL_FIRST of the second
        (so what the reader typed ranks first, as on the database backend); the words as typed
        also match where a node's plain `standard` analyser does not stem "workers" to the
        "worker" of an equivalent."""
        if not query.literal:
            return self.text_query(code, query)
        return dsl.Q("dis_max", queries=[
            self.text_query(code, query.literal),
            self.text_query(code, query, boost=LITERAL_FIRST),
        ])  # fmt: skip

    @staticmethod
    def text_query(code, query, boost=1.0):
        """The text on the language's fields, in simple_query_string syntax."""
        return dsl.Q(
            "simple_query_string",
            query=query.as_simple_query_string(),
            fields=[f"{field.in_language(code)}^{field.boost}" for field in TEXT_FIELDS],
            default_operator="and",
            flags="PHRASE|NOT|WHITESPACE|OR|PRECEDENCE",  # OR: equivalent terms
            boost=boost,
        )

    def build(self, params):
        """The elasticsearch-dsl Search: facets as filtered aggregations plus a post_filter."""
        codes = languages.codes()
        search = dsl.Search(index=self.alias).extra(track_total_hits=True)
        search = search.source(source_fields(codes))
        text = params.text
        if text:
            # Each language's reading of the text, on its fields, for its documents only.
            search = search.query("bool", should=[
                dsl.Q("bool", filter=[dsl.Q("term", language=code)],
                      must=[self.text_match(code, query)])
                for code, query in text.matching()
            ], minimum_should_match=1)  # fmt: skip
        elif params.q:  # only words no language indexes
            search = search.query("match_none")
        if params.parent_id is not None:
            search = search.filter("term", parent_id=params.parent_id)
        if params.published_after is not None:
            search = search.filter("range", published={"gt": params.published_after.isoformat()})
        selections = {
            facet.name: dsl.Q(
                "terms", **{FACET_FIELDS[facet.name].name: list(params.selected(facet.name))}
            )
            for facet in FACETS
            if params.selected(facet.name)
        }
        for facet in FACETS:
            others = [query for name, query in selections.items() if name != facet.name]
            search.aggs.bucket(
                f"_filter_{facet.name}", "filter", filter=dsl.Q("bool", filter=others)
            ).bucket(facet.name, "terms", field=FACET_FIELDS[facet.name].name, size=1000)
        if selections:
            search = search.post_filter(dsl.Q("bool", filter=list(selections.values())))
        search = search.sort(*self.sort_order(params.effective_sort))
        if text.positive:
            start, end = HIGHLIGHT_MARKERS
            search = search.highlight_options(pre_tags=[start], post_tags=[end], encoder="default")
            for code, query in text.matching():
                if query.positive:
                    # the PDFs' text only for the hits that need it (attachment_highlights)
                    summary, body = (
                        FIELDS_BY_NAME[name].in_language(code) for name in ("summary", "body")
                    )
                    search = search.highlight(summary, fragment_size=300, number_of_fragments=1)
                    search = search.highlight(body, fragment_size=200, number_of_fragments=1)
        return search[params.offset : params.offset + params.page_size]

    @staticmethod
    def sort_order(sort):
        """The order, ties broken by the newest, then by page, as on the database. Not by
        key: a keyword's ordinals made a deep page's search a third slower (16 ms, not 11),
        and a page's own parts (a supplement's articles) are left in the index's order,
        which is the same on every request to the same index."""
        newest = {"sort_date": {"order": "desc", "missing": "_last"}}
        if sort == "relevance":
            return ["_score", newest, "page_id"]
        if sort == "title":
            return ["title_sort", newest, "page_id"]
        return [newest, "page_id"]  # not title_sort: it made deep pages slow

    # --- the index ------------------------------------------------------------------

    def index_body(self):
        """Settings and the mapping, derived from the document's declaration and the
        languages' (one text field per language, each with its language's analyser)."""
        index_settings = {"number_of_shards": 1, "number_of_replicas": 0}
        if self.analyzer:
            analyzers = {code: self.analyzer for code in languages.codes()}
        else:
            analyzers = {language.code: language.analyzer for language in languages.languages()}
            index_settings["analysis"] = languages.cluster_analysis()
        properties = {}
        for field in FIELDS:
            properties.update(field.mappings(analyzers))
        return {
            "settings": index_settings,
            "mappings": {"dynamic": "strict", "properties": properties},
        }

    def ensure_index(self):
        """Create the first versioned index behind the alias if there is none."""
        if not self.call(self.client.indices.exists_alias, name=self.alias):
            name = self.new_index_name()
            self.call(self.client.indices.create, index=name, body=self.index_body())
            self.call(self.client.indices.put_alias, index=name, name=self.alias)

    def new_index_name(self):
        return f"{self.alias}-{timezone.now():%Y%m%d%H%M%S%f}"

    def index(self, documents, deleted_page_ids=()):
        """Upsert documents; remove each touched page's documents that no longer exist."""
        self.ensure_index()
        actions = [
            {"_op_type": "index", "_index": self.alias, "_id": doc.key, "_source": doc.as_source()}
            for doc in documents
        ]
        if actions:
            self.bulk(actions)
        touched = {doc.page_id for doc in documents} | set(deleted_page_ids)
        if touched:
            stale = {
                "bool": {
                    "filter": [{"terms": {"page_id": sorted(touched)}}],
                    "must_not": [{"ids": {"values": [doc.key for doc in documents]}}],
                }
            }
            self.call(
                self.client.delete_by_query,
                index=self.alias,
                body={"query": stale},
                params={"conflicts": "proceed"},
            )
        self.call(self.client.indices.refresh, index=self.alias)

    def rebuild(self, documents, total, progress=None):
        """Fill a new versioned index, then swap the alias to it and drop the old ones."""
        name = self.new_index_name()
        body = self.index_body()
        body["settings"]["refresh_interval"] = "-1"
        self.call(self.client.indices.create, index=name, body=body)
        count = 0

        def actions():
            nonlocal count
            for doc in documents:
                count += 1
                if progress and count % self.progress_every == 0:
                    progress(count, total)
                yield {
                    "_op_type": "index",
                    "_index": name,
                    "_id": doc.key,
                    "_source": doc.as_source(),
                }

        try:
            self.bulk_in_flight(actions())
            self.call(
                self.client.indices.put_settings,
                index=name,
                body={"index": {"refresh_interval": "1s"}},
            )
            self.call(self.client.indices.refresh, index=name)
        except BackendUnavailable:
            # The alias stays on the complete index; the half-filled one is dropped.
            with contextlib.suppress(*self.client_errors):
                self.client.indices.delete(index=name)
            raise
        old = self.aliased_indices()
        # The write index even if a sync's ensure_index() put the alias on an empty index of
        # its own meanwhile (a node back empty): that one is removed just after.
        swap = [{"add": {"index": name, "alias": self.alias, "is_write_index": True}}]
        swap += [{"remove": {"index": index, "alias": self.alias}} for index in old]
        self.call(self.client.indices.update_aliases, body={"actions": swap})
        stray = [index for index in self.aliased_indices() if index != name and index not in old]
        if stray:
            remove = [{"remove": {"index": index, "alias": self.alias}} for index in stray]
            self.call(self.client.indices.update_aliases, body={"actions": remove})
        for index in old + stray:
            self.call(self.client.indices.delete, index=index)
        if progress:
            progress(count, total)
        return count

    def aliased_indices(self):
        if not self.call(self.client.indices.exists_alias, name=self.alias):
            return []
        return sorted(self.call(self.client.indices.get_alias, name=self.alias))

    def status(self):
        try:
            health = self.call(self.client.cluster.health)
            indices = self.aliased_indices()
            count = self.call(self.client.count, index=self.alias)["count"] if indices else 0
        except BackendUnavailable as error:
            return {"engine": self.label, "url": self.url, "healthy": False, "error": str(error)}
        return {
            "engine": self.label,
            "url": self.url,
            "healthy": health["status"] in ("green", "yellow"),
            "cluster_status": health["status"],
            "alias": self.alias,
            "indices": indices,
            "documents": count,
        }
