"""The default backend: the database's own full-text search, no service needed.

SQLite searches an FTS5 table (porter stemming, bm25 with title > summary >
body weights); PostgreSQL a weighted `english` tsvector column. Both are kept
in step with the document store by the database (see this app's migrations).
Facet counts are plain SQL over SearchFacetValue.
"""

from django.db import connection

from ..documents import HIGHLIGHT_MARKERS
from ..facets import FACETS
from ..models import SearchDocument, SearchFacetValue
from ..results import RawResults
from .base import BaseSearchBackend

DOC = SearchDocument._meta.db_table
FACET = SearchFacetValue._meta.db_table
FTS = "portal_search_fts"
START, END = HIGHLIGHT_MARKERS


def _fts5_string(words):
    return '"' + " ".join(words).replace('"', '""') + '"'


def _fts5_positive(text, operator="AND"):
    """The words and phrases of `text` as an FTS5 expression built only from quoted strings."""
    return f" {operator} ".join([*(_fts5_string([term]) for term in text.terms), *map(_fts5_string, text.phrases)])


class SQLiteText:
    """FTS5 over the store; the MATCH syntax is built from parsed words only."""

    def match(self, text):
        """(sql, params) conditions on `d` for the text query."""
        conditions = []
        if text.positive:
            conditions.append((f"d.id IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s)", [_fts5_positive(text)]))
        if text.excluded:
            expression = " OR ".join(_fts5_string(words) for words in text.excluded)
            conditions.append((f"d.id NOT IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s)", [expression]))
        return conditions

    def ranked_ids(self, text, where, params, limit, offset):
        expression = _fts5_positive(text)
        sql = (
            f"SELECT d.id FROM {FTS} JOIN {DOC} d ON d.id = {FTS}.rowid "
            f"WHERE {FTS} MATCH %s AND {where} "
            f"ORDER BY bm25({FTS}, 10.0, 3.0, 1.0), d.date DESC, d.key LIMIT %s OFFSET %s"
        )
        return _column(sql, [expression, *params, limit, offset])

    def highlights(self, text, ids):
        if not text.positive or not ids:
            return {}
        expression = _fts5_positive(text, "OR")
        placeholders = ", ".join(["%s"] * len(ids))
        sql = (
            f"SELECT rowid, snippet({FTS}, 1, %s, %s, '…', 40), snippet({FTS}, 2, %s, %s, '…', 32) "
            f"FROM {FTS} WHERE {FTS} MATCH %s AND rowid IN ({placeholders})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [START, END, START, END, expression, *ids])
            return {row[0]: {"summary": row[1], "body": row[2]} for row in cursor.fetchall()}


class PostgresText:
    """The weighted `english` tsvector column and tsqueries built from parsed words."""

    config = "english"

    def tsquery(self, text, positive_only=False):
        parts, params = [], []
        for term in text.terms:
            parts.append(f"plainto_tsquery('{self.config}', %s)")
            params.append(term)
        for phrase in text.phrases:
            parts.append(f"phraseto_tsquery('{self.config}', %s)")
            params.append(" ".join(phrase))
        if not positive_only:
            for words in text.excluded:
                parts.append(f"!! phraseto_tsquery('{self.config}', %s)")
                params.append(" ".join(words))
        return "(" + " && ".join(parts) + ")", params

    def match(self, text):
        sql, params = self.tsquery(text)
        return [(f"d.search_vector @@ {sql}", params)]

    def ranked_ids(self, text, where, params, limit, offset):
        tsquery, tsparams = self.tsquery(text, positive_only=True)
        sql = (
            f"SELECT d.id FROM {DOC} d WHERE {where} "
            f"ORDER BY ts_rank('{{0.1, 0.33, 0.67, 1.0}}', d.search_vector, {tsquery}) DESC, d.date DESC NULLS LAST, "
            f"d.key LIMIT %s OFFSET %s"
        )
        return _column(sql, [*params, *tsparams, limit, offset])

    def highlights(self, text, ids):
        if not text.positive or not ids:
            return {}
        tsquery, tsparams = self.tsquery(text, positive_only=True)
        options = f"StartSel={START}, StopSel={END}, HighlightAll=false, MaxFragments=1, FragmentDelimiter=…"
        sql = (
            f"SELECT d.id, ts_headline('{self.config}', d.summary, query.q, %s), "
            f"ts_headline('{self.config}', d.body, query.q, %s) "
            f"FROM {DOC} d CROSS JOIN (SELECT {tsquery} AS q) AS query WHERE d.id = ANY(%s)"
        )
        summary_options = options + ", MaxWords=40, MinWords=20"
        body_options = options + ", MaxWords=32, MinWords=16"
        with connection.cursor() as cursor:
            cursor.execute(sql, [summary_options, body_options, *tsparams, list(ids)])
            return {row[0]: {"summary": row[1], "body": row[2]} for row in cursor.fetchall()}


def _column(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


class DatabaseBackend(BaseSearchBackend):
    label = "database"

    @property
    def text_search(self):
        return PostgresText() if connection.vendor == "postgresql" else SQLiteText()

    def conditions(self, params, skip_facet=None):
        """(sql, params) pairs over `d`, all of which a document must meet."""
        conditions = []
        if params.text:
            conditions.extend(self.text_search.match(params.text))
        if params.parent_id is not None:
            conditions.append(("d.parent_id = %s", [params.parent_id]))
        for facet in FACETS:
            values = params.selected(facet.name)
            if values and facet.name != skip_facet:
                placeholders = ", ".join(["%s"] * len(values))
                conditions.append(
                    (
                        f"d.id IN (SELECT document_id FROM {FACET} WHERE facet = %s AND value IN ({placeholders}))",
                        [facet.name, *values],
                    )
                )
        return conditions

    @staticmethod
    def _where(conditions):
        return " AND ".join(sql for sql, _ in conditions) or "1=1", [p for _, ps in conditions for p in ps]

    def execute(self, params):
        where, where_params = self._where(self.conditions(params))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {DOC} d WHERE {where}", where_params)
            total = cursor.fetchone()[0]
        ids = self._page_ids(params, where, where_params) if total > params.offset else []
        return RawResults(total=total, hits=self._hits(params, ids), facet_counts=self._facet_counts(params))

    def _page_ids(self, params, where, where_params):
        sort = params.effective_sort
        if sort == "relevance":
            return self.text_search.ranked_ids(params.text, where, where_params, params.page_size, params.offset)
        order = "d.title_sort, d.date DESC, d.key" if sort == "title" else "d.date DESC, d.title_sort, d.key"
        if connection.vendor == "postgresql":
            order = order.replace("d.date DESC", "d.date DESC NULLS LAST")
        sql = f"SELECT d.id FROM {DOC} d WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s"
        return _column(sql, [*where_params, params.page_size, params.offset])

    def _hits(self, params, ids):
        if not ids:
            return []
        rows = {row.pk: row for row in SearchDocument.objects.filter(pk__in=ids)}
        facets = {pk: {"country": [], "topic": [], "study": []} for pk in ids}
        for document_id, facet, value in (
            SearchFacetValue.objects.filter(document_id__in=ids, facet__in=["country", "topic", "study"])
            .order_by("id")
            .values_list("document_id", "facet", "value")
        ):
            facets[document_id][facet].append(value)
        highlights = self.text_search.highlights(params.text, ids)
        return [
            {
                "key": rows[pk].key,
                "type": rows[pk].doc_type,
                "title": rows[pk].title,
                "url": rows[pk].url,
                "date": rows[pk].date,
                "summary": rows[pk].summary,
                "countries": facets[pk]["country"],
                "topics": facets[pk]["topic"],
                "studies": facets[pk]["study"],
                "highlight": highlights.get(pk, {}),
            }
            for pk in ids
        ]

    def _facet_counts(self, params):
        """Each facet counted with every other facet's selection applied, not its own."""
        counts = {}
        for facet in FACETS:
            conditions = self.conditions(params, skip_facet=facet.name)
            sql = f"SELECT v.value, COUNT(*) FROM {FACET} v WHERE v.facet = %s"
            sql_params = [facet.name]
            if conditions:
                where, where_params = self._where(conditions)
                sql += f" AND v.document_id IN (SELECT d.id FROM {DOC} d WHERE {where})"
                sql_params += where_params
            with connection.cursor() as cursor:
                cursor.execute(sql + " GROUP BY v.value", sql_params)
                counts[facet.name] = dict(cursor.fetchall())
        return counts

    def status(self):
        return {
            "engine": f"database ({connection.vendor})",
            "healthy": True,
            "documents": SearchDocument.objects.count(),
        }
