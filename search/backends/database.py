"""The default backend: the database's own full-text search, no service needed.

Each document's text is indexed in its language (search/languages.py, search/fulltext.py):
SQLite searches an FTS5 table of words the store analysed in Python (bm25 with title >
summary > body weights); PostgreSQL a weighted tsvector column computed with the row's
language's text search configuration. A query is read in every language, and each
document matches it as its own language reads it. Facet counts are plain SQL over
SearchFacetValue.
"""

from dataclasses import dataclass

from django.db import connection

from .. import fulltext, languages
from ..documents import HIGHLIGHT_MARKERS, HIT_FIELDS, TAGS, StoredHit
from ..facets import FACETS, FACETS_BY_NAME, LANGUAGE
from ..languages import STOP
from ..models import SearchDocument, SearchFacetValue
from ..results import RawResults
from ..snippets import snippet
from .base import BaseSearchBackend

DOC = SearchDocument._meta.db_table
FACET = SearchFacetValue._meta.db_table
FTS = fulltext.FTS
HITS = "temp.portal_search_hits"  # one search's full-text matches (SQLite)
PG_HITS = "pg_temp.portal_search_hits"  # and PostgreSQL's, in the session's own schema
START, END = HIGHLIGHT_MARKERS
SNIPPETS = (("summary", 40), ("body", 32), ("attachments", 32))  # field, words in its snippet
# With equivalent terms (search/synonyms.py), a document ranks by the better of its match of
# the words as typed and this much of its match of the expanded query (SQLite: the first,
# else this much of the second), so what the reader typed ranks first.
LITERAL_FIRST = 0.5


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

    @property
    def language(self):
        """Its documents' language column (the temporary table of matches holds it too)."""
        return self.id.replace(".id", ".language")

    def where(self, extra=()):
        return _where([*self.conditions, *extra])


def _where(conditions):
    """(sql, params) of (sql, params) pairs joined with AND."""
    return " AND ".join(sql for sql, _ in conditions) or "1=1", [
        p for _, ps in conditions for p in ps
    ]


def _fts5_string(terms):
    return '"' + " ".join(terms).replace('"', '""') + '"'


def _fts5_words(language, words):
    """Words as the index holds them (analysed in `language`), as one FTS5 string: a phrase
    when there are several, stop words standing where they were."""
    return _fts5_string([language.term(word) or STOP for word in words])


def _fts5_positive(language, text):
    """The words and phrases of `text` as an FTS5 expression built only from quoted strings."""
    return " AND ".join(
        [*(_fts5_words(language, [term]) for term in text.terms),
         *(_fts5_words(language, phrase) for phrase in text.phrases),
         *(_fts5_any(language, group) for group in text.alternatives)]
    )  # fmt: skip


def _fts5_any(language, group):
    """A group of equivalent terms: any one of them."""
    return "(" + " OR ".join(_fts5_words(language, term) for term in group) + ")"


def _fts5_excluded(language, text):
    return " OR ".join(_fts5_words(language, words) for words in text.excluded)


def _fts5_match(code, expression):
    """An expression on one language's columns only: only its documents have words there."""
    return f"{fulltext.sqlite_column_filter(code)} : ({expression})"


def _language_condition(codes, column="d.language"):
    marks = ", ".join(["%s"] * len(codes))
    return (f"{column} IN ({marks})", list(codes))


class SQLiteText:
    """FTS5 over the store's analysed words; the MATCH syntax is built from parsed words only.

    A document matches the text as its own language reads it: one MATCH per language, on
    that language's columns. The MATCHes run once per search, into a temporary table of
    (id, score, language) that the count, the ranking and the facet counts then read: a broad
    word matches most of the corpus, and matching it again for each of those queries was
    most of the cost. Temporary tables belong to one connection, so concurrent
    requests never share one.
    """

    def scope(self, text, ranked):
        matching = text.matching()
        positive = [(code, t) for code, t in matching if t.positive]
        negative = [(code, t) for code, t in matching if not t.positive]
        if not positive:
            if not negative:
                return Scope(f"{DOC} d", "d.id", [])
            return Scope(f"{DOC} d", "d.id", self._not_excluded(negative))
        score = f"bm25({FTS}, {fulltext.bm25_weights()})" if ranked else "0"
        with connection.cursor() as cursor:
            _empty_matches(cursor)
            # One MATCH per language, on its columns: each match knows its language without
            # reading its document, so filtering and counting by language cost nothing more.
            for code, text_of_language in positive:
                language = languages.get(code)
                # What was typed first, at its bm25; then what only an equivalent matched, at
                # LITERAL_FIRST of its score (bm25 is negative: nearer 0 ranks lower).
                literal = text_of_language.literal if ranked else None
                for query, factor in ((literal, 1), (text_of_language, LITERAL_FIRST)):
                    if query is None:
                        continue
                    cursor.execute(
                        f"INSERT OR IGNORE INTO {HITS} SELECT rowid, {score} * {factor}, %s "
                        f"FROM {FTS} WHERE {FTS} MATCH %s",
                        [code, _fts5_match(code, self._expression(language, query))],
                    )
            if negative:  # languages whose reading of the text only excludes words
                where, params = _where(self._not_excluded(negative))
                cursor.execute(
                    f"INSERT INTO {HITS} SELECT d.id, 0, d.language FROM {DOC} d WHERE {where}",
                    params,
                )
        return Scope(f"{HITS} h", "h.id", [])

    @staticmethod
    def _expression(language, text):
        expression = _fts5_positive(language, text)
        if text.excluded:
            expression = f"({expression}) NOT ({_fts5_excluded(language, text)})"
        return expression

    @staticmethod
    def _not_excluded(negative):
        """Documents in these languages without their excluded words."""
        expression = " OR ".join(
            _fts5_match(code, _fts5_excluded(languages.get(code), t)) for code, t in negative
        )
        return [
            _language_condition([code for code, _ in negative]),
            (f"d.id NOT IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s)", [expression]),
        ]

    def highlights(self, text, ids):
        """Snippets cut from each hit's own text, its words read in its language."""
        if not text.positive or not ids:
            return {}
        placeholders = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, language, summary, body, attachments FROM {DOC} "
                f"WHERE id IN ({placeholders})",
                list(ids),
            )
            rows = cursor.fetchall()
        found, seen = {}, {}  # seen: language -> word -> whether it matches
        for pk, code, *texts in rows:
            language = languages.get(code)
            query = text.get(language.code)
            if not query or not query.positive:
                continue
            terms = {language.term(word) for word in query.highlight_words()} - {None}
            words = seen.setdefault(language.code, {})
            found[pk] = {}
            # the first field's snippet that matched is shown (results.choose_snippet)
            for (name, size), value in zip(SNIPPETS, texts, strict=True):
                found[pk][name] = snippet(value, language, terms, size, words)
                if found[pk][name]:
                    break
        return found


class PostgresText:
    """The weighted tsvector column, each row's in its language's configuration, and
    tsqueries built from parsed words with the same configuration."""

    @staticmethod
    def tsquery(config, text, positive_only=False):
        parts, params = [], []
        for term in text.terms:
            parts.append(f"plainto_tsquery('{config}', %s)")
            params.append(term)
        for phrase in text.phrases:
            parts.append(f"phraseto_tsquery('{config}', %s)")
            params.append(" ".join(phrase))
        for group in text.alternatives:  # equivalent terms: any one of them
            parts.append(
                "(" + " || ".join([f"phraseto_tsquery('{config}', %s)"] * len(group)) + ")"
            )
            params += [" ".join(term) for term in group]
        if not positive_only:
            for words in text.excluded:
                parts.append(f"!! phraseto_tsquery('{config}', %s)")
                params.append(" ".join(words))
        return "(" + " && ".join(parts) + ")", params

    def scope(self, text, ranked):
        """The matches, once per search, into the session's temporary table of (id, score,
        language), as on SQLite: the count, the ranking and the facet counts then read it,
        so a broad word is matched and ranked once, not once for each of them."""
        matching = text.matching()
        if not matching:
            return Scope(f"{DOC} d", "d.id", [])
        with connection.cursor() as cursor:
            _empty_matches(cursor)
            for code, query in matching:
                config = languages.get(code).postgres_config
                sql, params = self.tsquery(config, query)
                if query.literal:  # the words as typed match too, whatever an equivalent's stems
                    literal, literal_params = self.tsquery(config, query.literal)
                    sql, params = f"({sql} || {literal})", [*params, *literal_params]
                rank, rank_params = self._rank(config, query) if ranked else ("0", [])
                cursor.execute(
                    f"INSERT INTO {PG_HITS} SELECT d.id, -({rank}), d.language FROM {DOC} d "
                    f"WHERE d.language = %s AND d.search_vector @@ {sql}",
                    [*rank_params, code, *params],
                )
        return Scope(f"{PG_HITS} h", "h.id", [])

    def _rank(self, config, query):
        """ts_rank of the positive words; with equivalents, the better of the words as typed
        and LITERAL_FIRST of the expansion. (sql, params)"""
        if not query.positive:
            return "0", []
        weights = "'{0.1, 0.33, 0.67, 1.0}'"
        tsquery, params = self.tsquery(config, query, positive_only=True)
        rank = f"ts_rank({weights}, d.search_vector, {tsquery})"
        if query.literal and query.literal.positive:
            typed, typed_params = self.tsquery(config, query.literal, positive_only=True)
            rank = (
                f"GREATEST(ts_rank({weights}, d.search_vector, {typed}), {LITERAL_FIRST} * {rank})"
            )
            params = [*typed_params, *params]
        return rank, params

    def _by_language(self, text, expression):
        """CASE d.language WHEN <code> THEN <expression of its config and tsquery> … END, for
        the languages whose text has something positive; (sql, params)."""
        cases, params = [], []
        for code, query in text.matching():
            if query.positive:
                config = languages.get(code).postgres_config
                tsquery, tsparams = self.tsquery(config, query, positive_only=True)
                sql, extra = expression(config, tsquery)
                cases.append(f"WHEN %s THEN {sql}")
                params += [code, *tsparams, *extra]
        return f"CASE d.language {' '.join(cases)} END", params

    def highlights(self, text, ids):
        """ts_headline of the summary and the body; of the linked PDFs' text only for the hits
        whose own text did not match (a PDF's text is long, and read only when shown)."""
        if not text.positive or not ids:
            return {}
        own = [(name, size) for name, size in SNIPPETS if name != "attachments"]
        found = self._headlines(text, ids, own)
        unmatched = [
            pk for pk in ids if not any(START in (v or "") for v in found.get(pk, {}).values())
        ]
        if unmatched:
            pdfs = self._headlines(text, unmatched, [("attachments", 32)], "d.attachments <> ''")
            for pk, marked in pdfs.items():
                found.setdefault(pk, {}).update(marked)
        return found

    def _headlines(self, text, ids, fields, condition="TRUE"):
        options = (
            f"StartSel={START}, StopSel={END}, HighlightAll=false, MaxFragments=1, "
            "FragmentDelimiter=…"
        )
        columns, params = [], []
        for name, size in fields:
            sql, extra = self._by_language(
                text,
                lambda config, q, name=name, size=size: (
                    f"ts_headline('{config}', d.{name}, {q}, %s)",
                    [f"{options}, MaxWords={size}, MinWords={size // 2}"],
                ),
            )
            columns.append(sql)
            params += extra
        sql = f"SELECT d.id, {', '.join(columns)} FROM {DOC} d WHERE d.id = ANY(%s) AND {condition}"
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, list(ids)])
            return {
                row[0]: {name: value for (name, _), value in zip(fields, row[1:], strict=True)}
                for row in cursor.fetchall()
            }


def _empty_matches(cursor):
    """The connection's temporary table of one search's matches, made once, emptied now.

    SQLite's has a key (a document may match as typed and by an equivalent: INSERT OR
    IGNORE keeps the first). PostgreSQL's has none (each document is inserted once, with the
    better of its two ranks; the index cost a tenth of the insert) and is truncated, not
    deleted from: autovacuum never visits a temporary table, so deleted rows would pile up
    for the connection's life and slow each search down."""
    if connection.vendor == "postgresql":
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {PG_HITS.split('.')[1]} "
            "(id integer, score real, language varchar(10))"
        )
        cursor.execute(f"TRUNCATE {PG_HITS}")
        return
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {HITS} (id INTEGER PRIMARY KEY, score REAL, language TEXT)"
    )
    cursor.execute(f"DELETE FROM {HITS}")


def _order(first):
    """ORDER BY `first`, then the newest, then by page (as the cluster's sort_order): the
    same ties in the same order on every request."""
    newest = "d.sort_date DESC NULLS LAST" if connection.vendor == "postgresql" else (
        "d.sort_date DESC")  # fmt: skip
    return ", ".join([*first, newest, "d.page_id", "d.key"])


def _ranked_ids(scope, where, params, limit, offset):
    """Best score first (the matches table holds bm25, or PostgreSQL's rank negated: lower is
    better), ties newest first, then by page: only rows up to the page's last score are
    sorted by date."""
    sql = (
        "WITH matched AS MATERIALIZED "
        f"(SELECT h.id, h.score FROM {scope.table} WHERE {where}), "
        "cutoff AS (SELECT score FROM matched ORDER BY score LIMIT 1 OFFSET %s) "
        f"SELECT d.id FROM matched m JOIN {DOC} d ON d.id = m.id "
        "WHERE m.score <= "
        "COALESCE((SELECT score FROM cutoff), (SELECT MAX(score) FROM matched)) "
        f"ORDER BY {_order(['m.score'])} LIMIT %s OFFSET %s"
    )
    return _column(sql, [*params, offset + limit - 1, limit, offset])


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
    def facet_conditions(params, scope, skip=()):
        """(sql, params) pairs on the scope's documents: the selected values of every facet but
        the skipped ones. The language is a column of the scope (documents, matches), so it
        is read there, not from the facet rows of every document in that language."""
        conditions = []
        for facet in FACETS:
            values = params.selected(facet.name)
            if not values or facet.name in skip:
                continue
            if facet.name == LANGUAGE:
                # Not through SQLite's index of the documents' language: a language holds most
                # documents, and that index would beat the sort's (newest first: 22 ms, not 1)
                column = scope.language
                if scope.on_documents and connection.vendor == "sqlite":
                    column = f"+{column}"
                conditions.append(_language_condition(values, column))
                continue
            placeholders = ", ".join(["%s"] * len(values))
            conditions.append(
                (
                    f"{scope.id} IN (SELECT document_id FROM {FACET} "
                    f"WHERE facet = %s AND value IN ({placeholders}))",
                    [facet.name, *values],
                )
            )
        return conditions

    def scope(self, params):
        """Text and parent: what the total and every facet count share."""
        scope = self.text_search.scope(params.text, ranked=params.effective_sort == "relevance")
        if params.q and not params.text:  # only words no language indexes: nothing matches
            scope.conditions.append(("1=0", []))
        if params.parent_id is not None:
            scope.conditions.append(
                (f"{scope.id} IN (SELECT id FROM {DOC} WHERE parent_id = %s)", [params.parent_id])
            )
        if params.published_after is not None:  # alerts: what appeared since their mark
            since = (
                "d.published > %s"
                if scope.on_documents
                else f"{scope.id} IN (SELECT id FROM {DOC} WHERE published > %s)"
            )
            scope.conditions.append((since, [params.published_after]))
        return scope

    def execute(self, params):
        scope = self.scope(params)
        where, where_params = scope.where(self.facet_conditions(params, scope))
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
            # Both databases' matches tables hold a score where lower ranks first.
            return _ranked_ids(scope, where, where_params, params.page_size, params.offset)
        order = _order(["d.title_sort"] if sort == "title" else [])
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
            if names == [LANGUAGE]:  # selected: counted from the scope's language column
                counts[LANGUAGE] = self._language_counts(params, scope)
                continue
            conditions = [
                *scope.conditions,
                *self.facet_conditions(params, scope, skip={skip, LANGUAGE}),
            ]
            # The language where it is cheapest: with other conditions on the documents, among
            # them; alone, on the facet rows themselves (their index by language); with text,
            # on the matches. So a search in one language counts its rows alone.
            language = self.facet_conditions(params, scope, skip=set(FACETS_BY_NAME) - {LANGUAGE})
            if conditions and scope.on_documents:  # one subquery: PostgreSQL plans it far better
                where, where_params = _where([*conditions, *language])
                conditions = [
                    (f"v.document_id IN (SELECT d.id FROM {DOC} d WHERE {where})", where_params)
                ]
            elif params.selected(LANGUAGE) and scope.on_documents:
                conditions = [_language_condition(params.selected(LANGUAGE), "v.language")]
            else:
                conditions += language
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

    def _language_counts(self, params, scope):
        """The language facet with every other selection applied: grouped by the scope's
        language column (an index of the documents, or the matches), not by facet rows."""
        where, where_params = scope.where(self.facet_conditions(params, scope, skip={LANGUAGE}))
        sql = f"SELECT {scope.language}, COUNT(*) FROM {scope.table} WHERE {where} GROUP BY 1"
        with connection.cursor() as cursor:
            cursor.execute(sql, where_params)
            return {language: count for language, count in cursor.fetchall() if language}

    def status(self):
        return {
            "engine": f"database ({connection.vendor})",
            "healthy": True,
            "documents": SearchDocument.objects.count(),
        }
