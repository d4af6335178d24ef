"""The default backend: the database's own full-text search, no service needed.

SQLite searches an FTS5 table (porter stemming, bm25 with title > summary >
body weights); PostgreSQL a weighted `english` tsvector column. Both are kept
in step with the document store by the database (see this app's migrations).
Facet counts are plain SQL over SearchFacetValue.
"""

from dataclasses import dataclass

from django.db import connection

from ..documents import HIGHLIGHT_MARKERS, HIT_FIELDS, TAGS, StoredHit
from ..facets import FACETS
from ..models import SearchDocument, SearchFacetValue
from ..results import RawResults
from .base import BaseSearchBackend

DOC = SearchDocument._meta.db_table
FACET = SearchFacetValue._meta.db_table
FTS = "portal_search_fts"
HITS = "temp.portal_search_hits"  # one search's full-text matches (SQLite)
START, END = HIGHLIGHT_MARKERS


@dataclass
class Scope:
    """The documents a search ranges over: a table, its document id column, conditions on it."""

    table: str
    id: str
    conditions: list

    @property
    def on_documents(self):
        """True when the scope is the document table itself (no temporary table of matches)."""
        return self.id == "d.id"

    def where(self, extra=()):
        return _where([*self.conditions, *extra])


def _where(conditions):
    """(sql, params) of (sql, params) pairs joined with AND."""
    return " AND ".join(sql for sql, _ in conditions) or "1=1", [
        p for _, ps in conditions for p in ps
    ]


def _fts5_string(words):
    return '"' + " ".join(words).replace('"', '""') + '"'


def _fts5_positive(text, operator="AND"):
    """The words and phrases of `text` as an FTS5 expression built only from quoted strings."""
    return f" {operator} ".join(
        [*(_fts5_string([term]) for term in text.terms), *map(_fts5_string, text.phrases)]
    )


def _fts5_excluded(text):
    return " OR ".join(_fts5_string(words) for words in text.excluded)


class SQLiteText:
    """FTS5 over the store; the MATCH syntax is built from parsed words only.

    The MATCH runs once per search, into a temporary table of (id, score) that
    the count, the ranking and the facet counts then read: a broad word matches
    most of the corpus, and matching it again for each of those queries was most of the cost.
    Temporary tables belong to one connection, so concurrent requests never share one.
    """

    def scope(self, text, ranked):
        if not text.positive:
            condition = f"d.id NOT IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s)"
            return Scope(
                f"{DOC} d", "d.id", [(condition, [_fts5_excluded(text)])] if text.excluded else []
            )
        expression = _fts5_positive(text)
        if text.excluded:
            expression = f"({expression}) NOT ({_fts5_excluded(text)})"
        score = f"bm25({FTS}, 10.0, 3.0, 1.0)" if ranked else "0"
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {HITS} (id INTEGER PRIMARY KEY, score REAL)"
            )
            cursor.execute(f"DELETE FROM {HITS}")
            cursor.execute(
                f"INSERT INTO {HITS} SELECT rowid, {score} FROM {FTS} WHERE {FTS} MATCH %s",
                [expression],
            )
        return Scope(f"{HITS} h", "h.id", [])

    def ranked_ids(self, text, scope, where, params, limit, offset):
        """Best bm25 first, ties newest first: only rows up to the page's last score are sorted
        by date."""
        sql = (
            "WITH matched AS MATERIALIZED "
            f"(SELECT h.id, h.score FROM {scope.table} WHERE {where}), "
            "cutoff AS (SELECT score FROM matched ORDER BY score LIMIT 1 OFFSET %s) "
            f"SELECT d.id FROM matched m JOIN {DOC} d ON d.id = m.id "
            "WHERE m.score <= "
            "COALESCE((SELECT score FROM cutoff), (SELECT MAX(score) FROM matched)) "
            "ORDER BY m.score, d.sort_date DESC, d.key LIMIT %s OFFSET %s"
        )
        return _column(sql, [*params, offset + limit - 1, limit, offset])

    def highlights(self, text, ids):
        """Snippets from a throwaway FTS5 table holding only this page's hits (cheap, whatever
        the total)."""
        if not text.positive or not ids:
            return {}
        placeholders = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.portal_search_page USING fts5("
                "title, summary, body, tokenize='porter unicode61 remove_diacritics 2')"
            )
            cursor.execute("DELETE FROM temp.portal_search_page")
            cursor.execute(
                "INSERT INTO temp.portal_search_page (rowid, title, summary, body) "
                f"SELECT id, title, summary, body FROM {DOC} WHERE id IN ({placeholders})",
                list(ids),
            )
            cursor.execute(
                "SELECT rowid, snippet(portal_search_page, 1, %s, %s, '…', 40), "
                "snippet(portal_search_page, 2, %s, %s, '…', 32) "
                "FROM temp.portal_search_page WHERE portal_search_page MATCH %s",
                [START, END, START, END, _fts5_positive(text, "OR")],
            )
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

    def scope(self, text, ranked):
        if not text:
            return Scope(f"{DOC} d", "d.id", [])
        sql, params = self.tsquery(text)
        return Scope(f"{DOC} d", "d.id", [(f"d.search_vector @@ {sql}", params)])

    def ranked_ids(self, text, scope, where, params, limit, offset):
        tsquery, tsparams = self.tsquery(text, positive_only=True)
        sql = (
            f"SELECT d.id FROM {DOC} d WHERE {where} "
            f"ORDER BY ts_rank('{{0.1, 0.33, 0.67, 1.0}}', d.search_vector, {tsquery}) DESC, "
            "d.sort_date DESC NULLS LAST, "
            f"d.key LIMIT %s OFFSET %s"
        )
        return _column(sql, [*params, *tsparams, limit, offset])

    def highlights(self, text, ids):
        if not text.positive or not ids:
            return {}
        tsquery, tsparams = self.tsquery(text, positive_only=True)
        options = (
            f"StartSel={START}, StopSel={END}, HighlightAll=false, MaxFragments=1, "
            "FragmentDelimiter=…"
        )
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

    @staticmethod
    def facet_conditions(params, column, skip_facet=None):
        """(sql, params) pairs on a document id column: the selected values of every facet but
        one."""
        conditions = []
        for facet in FACETS:
            values = params.selected(facet.name)
            if values and facet.name != skip_facet:
                placeholders = ", ".join(["%s"] * len(values))
                conditions.append(
                    (
                        f"{column} IN (SELECT document_id FROM {FACET} "
                        f"WHERE facet = %s AND value IN ({placeholders}))",
                        [facet.name, *values],
                    )
                )
        return conditions

    def scope(self, params):
        """Text and parent: what the total and every facet count share."""
        scope = self.text_search.scope(params.text, ranked=params.effective_sort == "relevance")
        if params.parent_id is not None:
            scope.conditions.append(
                (f"{scope.id} IN (SELECT id FROM {DOC} WHERE parent_id = %s)", [params.parent_id])
            )
        return scope

    def execute(self, params):
        scope = self.scope(params)
        where, where_params = scope.where(self.facet_conditions(params, scope.id))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {scope.table} WHERE {where}", where_params)
            total = cursor.fetchone()[0]
        ids = self._page_ids(params, scope, where, where_params) if total > params.offset else []
        return RawResults(
            total=total,
            hits=self._hits(params, ids),
            facet_counts=self._facet_counts(params, scope),
        )

    def _page_ids(self, params, scope, where, where_params):
        sort = params.effective_sort
        if sort == "relevance":
            return self.text_search.ranked_ids(
                params.text, scope, where, where_params, params.page_size, params.offset
            )
        order = (
            "d.title_sort, d.sort_date DESC, d.key"
            if sort == "title"
            else "d.sort_date DESC, d.key"
        )
        if connection.vendor == "postgresql":
            order = order.replace("d.sort_date DESC", "d.sort_date DESC NULLS LAST")
        if scope.on_documents:
            sql = (
                f"SELECT d.id FROM {scope.table} WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s"
            )
        else:
            ids = f"SELECT {scope.id} FROM {scope.table} WHERE {where}"
            sql = (
                f"SELECT d.id FROM {DOC} d WHERE d.id IN ({ids}) "
                f"ORDER BY {order} LIMIT %s OFFSET %s"
            )
        return _column(sql, [*where_params, params.page_size, params.offset])

    def _hits(self, params, ids):
        if not ids:
            return []
        columns = [field.name for field in HIT_FIELDS if field.kind != TAGS]
        tags = {field.facet: field.name for field in HIT_FIELDS if field.kind == TAGS}
        rows = {
            row["id"]: row
            for row in SearchDocument.objects.filter(pk__in=ids).values("id", *columns)
        }
        for row in rows.values():
            row.update({name: [] for name in tags.values()})
        for document_id, facet, value in (
            SearchFacetValue.objects.filter(document_id__in=ids, facet__in=list(tags))
            .order_by("id")
            .values_list("document_id", "facet", "value")
        ):
            rows[document_id][tags[facet]].append(value)
        highlights = self.text_search.highlights(params.text, ids)
        return [
            StoredHit(**{name: rows[pk][name] for name in (*columns, *tags.values())},
                      highlight=highlights.get(pk, {}))
            for pk in ids
        ]  # fmt: skip

    def _facet_counts(self, params, scope):
        """Each facet counted with every other facet's selection applied, not its own.

        Facets with nothing selected all see the same documents, so one grouped
        query counts them together; each selected facet needs a query of its own.
        """
        # Facet rows alone (of the documents the conditions select), or joined to the temporary
        # table of matches.
        joined = f"{scope.table} JOIN {FACET} v ON v.document_id = {scope.id}"
        source = f"{FACET} v" if scope.on_documents else joined
        selected = [facet.name for facet in FACETS if params.selected(facet.name)]
        groups = [([facet.name for facet in FACETS if facet.name not in selected], None)]
        groups += [([name], name) for name in selected]
        counts = {facet.name: {} for facet in FACETS}
        for names, skip in groups:
            if not names:
                continue
            conditions = [
                *scope.conditions,
                *self.facet_conditions(params, scope.id, skip_facet=skip),
            ]
            if (
                conditions and scope.on_documents
            ):  # one subquery: PostgreSQL plans it far better than many
                where, where_params = _where(conditions)
                conditions = [
                    (f"v.document_id IN (SELECT d.id FROM {DOC} d WHERE {where})", where_params)
                ]
            in_names = ", ".join(["%s"] * len(names))
            where, where_params = _where([(f"v.facet IN ({in_names})", names), *conditions])
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT v.facet, v.value, COUNT(*) FROM {source} WHERE {where} GROUP BY 1, 2",
                    where_params,
                )
                for facet, value, count in cursor.fetchall():
                    counts[facet][value] = count
        return counts

    def status(self):
        return {
            "engine": f"database ({connection.vendor})",
            "healthy": True,
            "documents": SearchDocument.objects.count(),
        }
