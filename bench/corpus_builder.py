"""The bulk builder of the synthetic corpus (`bench.corpus` generates and clears it)."""

import datetime
import functools
import itertools
import random
import time
import uuid
from collections import defaultdict

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Locale, Page, Site
from wagtail.search.backends import get_search_backends

from bench.corpus_data import (
    COUNTRIES,
    FIRST_DAY,
    FLUSH_EVERY,
    HOME_SLUG,
    LAST_DAY,
    MARKERS,
    ORG_PREFIX,
    PREFIX,
    ROOTS,
    TOPIC_PREFIX,
    VOCABULARIES,
    CorpusError,
    plan,
)
from portal.bulk import insert_pages, insert_rows


class CorpusBuilder:
    """Creates the pages, their child rows and their M2M rows in bulk inserts."""

    def __init__(self, pages, seed=1, stdout=None, language=None, source=None):
        """`source`: the default language's builder, already run, when this one builds its
        translation into `language` (the same seed: the same tree, word for word)."""
        self.pages, self.seed, self.rng = pages, seed, random.Random(seed)
        self.log = stdout.write if stdout else (lambda message: None)
        self.created, self.indexed, self.number = defaultdict(list), [], 0
        self.rows, self.articles, self.article_count = defaultdict(list), [], 0
        self.pending, self.made, self.parents = [], set(), {}  # pages to insert; tree counts
        self.language = language or settings.LANGUAGE_CODE
        self.source = source
        self.vocabulary, self.marker = VOCABULARIES[self.language], MARKERS[self.language]
        self.keys, self.root_keys = [], {}  # translation keys of content pages (in order), roots
        self.locale = Locale.objects.get(language_code=self.language)

    def words(self, low, high):
        """`rng.choice(vocabulary)` for each word, inlined (the same draws: the same corpus);
        the words were a third of the time."""
        vocabulary, bits = self.vocabulary, self.rng.getrandbits
        size, width, words = len(vocabulary), len(vocabulary).bit_length(), []
        for _ in range(self.rng.randint(low, high)):
            pick = bits(width)
            while pick >= size:
                pick = bits(width)
            words.append(vocabulary[pick])
        return words

    def text(self, words):
        sentences, rest = [], list(words)
        while rest:
            size = self.rng.randint(6, 14)
            sentences.append(" ".join(rest[:size]).capitalize() + ".")
            rest = rest[size:]
        return " ".join(sentences)

    def title(self):
        return PREFIX + " ".join(self.words(3, 8)).capitalize()

    def summary(self, limit=1000):
        words = self.words(20, 40)
        while sum(len(word) + 2 for word in words) + len(self.marker) >= limit:
            words.pop()
        return f"{self.text(words)} {self.marker}"

    def body(self):
        """StreamField paragraphs, 80-200 words in all; block ids come from the seed too."""
        blocks, left = [], self.rng.randint(80, 200)
        while left > 0:
            size = min(left, self.rng.randint(25, 60))
            left -= size
            block_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            blocks.append(
                {
                    "type": "paragraph",
                    "value": f"<p>{self.text(self.words(size, size))}</p>",
                    "id": block_id,
                }
            )
        return blocks

    def date(self):
        return FIRST_DAY + datetime.timedelta(days=self.rng.randrange((LAST_DAY - FIRST_DAY).days))

    def sample(self, items, low, high, first=None):
        chosen = self.rng.sample(items, min(len(items), self.rng.randint(low, high)))
        if first is not None and first not in chosen:
            chosen = [first, *chosen[:-1]] if chosen else [first]
        return chosen

    def add(self, parent, page, when, slug=None, key=None, locale=None):
        """Queue `page` below `parent`, live since `when`, without a revision; `flush` inserts it
        in bulk. Its tree fields (path, depth, url_path) are worked out here, as treebeard's
        add_child and Page.save would: a page at a time cost 10 ms, mostly in their queries. A
        translation takes its source page's translation_key (`key`, or the source's content page
        at the same position)."""
        self.number = number = self.number + 1
        page.slug = slug or f"{slugify(page.title)[:40].rstrip('-')}-{number}"
        page.draft_title = page.title
        page.live, page.has_unpublished_changes = True, False
        page.locale_id = locale.pk if locale else parent.locale_id
        if key is None and slug is None and self.source:
            key = self.source.keys[len(self.keys)]
        if key is not None:
            page.translation_key = key
        if slug is None:
            self.keys.append(page.translation_key)
        page.first_published_at = page.last_published_at = datetime.datetime.combine(
            when, datetime.time(9), tzinfo=datetime.UTC
        )
        page.depth, page.numchild = parent.depth + 1, 0
        page.path = Page._get_path(parent.path, page.depth, self.next_step(parent))
        page.url_path = f"{parent.url_path}{page.slug}/"
        self.made.add(page.path)
        self.pending.append(page)
        if number % FLUSH_EVERY == 0:
            self.flush()
        if number % 1000 == 0:
            self.log(
                f"  {number}/{self.pages} pages, {number / (time.monotonic() - self.started):.0f} "
                "pages/s"
            )
        return page

    def next_step(self, parent):
        """The position of `parent`'s next child, counted for `set_numchild`."""
        entry = self.parents.get(parent.path)
        if entry is None:
            last = None
            if parent.path not in self.made:  # a page made before the corpus: after its children
                last = (
                    Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
                    .order_by("-path")
                    .values_list("path", flat=True)
                    .first()
                )
            step = Page._str2int(last[-Page.steplen :]) if last else 0
            entry = self.parents[parent.path] = [parent, parent.numchild, step]
        entry[1] += 1
        entry[2] += 1
        return entry[2]

    def link(self, obj, name, targets):
        """Queue M2M rows (a ParentalManyToManyField's rows are plain through-model rows);
        `targets` are pks or objects, perhaps not yet inserted."""
        field = obj._meta.get_field(name)
        through, source, target = (
            field.remote_field.through,
            field.m2m_field_name(),
            field.m2m_reverse_field_name(),
        )
        self.rows[through].extend((obj, f"{source}_id", {f"{target}_id": item}) for item in targets)

    def children(self, page, name, rows):
        relation = page._meta.get_field(name)
        model, key = relation.related_model, relation.field.attname
        locale = self.locale_of(model, page)
        self.rows[model].extend(
            (page, key, {"sort_order": order, **locale, **row}) for order, row in enumerate(rows)
        )

    @staticmethod
    @functools.cache
    def translatable(model):
        return "locale" in {f.name for f in model._meta.get_fields()}

    def locale_of(self, model, parent):
        """bulk_create skips the signal that gives translatable children their page's locale."""
        return {"locale_id": parent.locale_id} if self.translatable(model) else {}

    def tag(self, page, countries=True):
        self.link(page, "topics", self.sample(self.topics, 1, 3))
        if countries:
            self.link(page, "countries", self.sample(self.countries, 1, 3))

    def flush(self):
        """Insert the queued pages (the base rows, then each type's table), then the rows that
        point at them, each kind in one bulk insert."""
        pages, self.pending = self.pending, []
        insert_pages(pages)
        for page in pages:
            self.created[page._meta.label].append(page.pk)
        for article, page, _ in self.articles:
            article.page_id = page.pk
        apps.get_model("briefs.SupplementArticle").objects.bulk_create(
            [article for article, _, _ in self.articles], batch_size=2000
        )
        for article, _, studies in self.articles:
            self.link(article, "studies", studies)
        self.article_count += len(self.articles)
        self.articles = []
        for model, rows in self.rows.items():
            insert_rows(model, [{key: obj.pk, **_pks(values)} for obj, key, values in rows])
        self.rows = defaultdict(list)

    def set_numchild(self):
        """Every parent's numchild, in one UPDATE per distinct count."""
        by_count = defaultdict(list)
        for parent, numchild, _ in self.parents.values():
            by_count[numchild].append(parent.pk)
        for count, pks in by_count.items():
            Page.objects.filter(pk__in=pks).update(numchild=count)

    def taxonomy(self, plan_counts):
        country, topic, org = (
            apps.get_model(f"research.{name}") for name in ("Country", "Topic", "Organization")
        )
        existing = dict(country.objects.values_list("code", "name"))
        names = set(existing.values())
        missing = [
            country(code=c, name=n, region=r)
            for c, n, r in COUNTRIES
            if c not in existing and n not in names
        ]
        country.objects.bulk_create(missing)
        codes = [code for code, _, _ in COUNTRIES]
        self.countries = list(
            country.objects.filter(code__in=codes).order_by("code").values_list("pk", flat=True)
        )
        count = plan_counts["topics"] + plan_counts["organizations"]
        words = self.rng.sample(self.vocabulary, count)
        if self.source:  # translations of the source's, named in this language
            return self.translated_taxonomy(topic, org, words[: plan_counts["topics"]],
                                            words[plan_counts["topics"] :])  # fmt: skip
        topics = [
            topic(
                name=f"{TOPIC_PREFIX}{i:02d}: {word}",
                slug=f"synthetic-topic-{i:02d}-{word}",
                locale=self.locale,
            )
            for i, word in enumerate(words[: plan_counts["topics"]], 1)
        ]
        orgs = [
            org(
                name=f"{ORG_PREFIX}{i:02d}: {word.capitalize()} Institute",
                acronym=f"SO{i:02d}",
                locale=self.locale,
            )
            for i, word in enumerate(words[plan_counts["topics"] :], 1)
        ]
        self.topic_rows = topic.objects.bulk_create(topics)
        self.org_rows = org.objects.bulk_create(orgs)
        self.topics = [row.pk for row in self.topic_rows]
        self.orgs = [row.pk for row in self.org_rows]
        self.indexed = [
            (model, [row.pk for row in rows])
            for model, rows in ((country, missing), (topic, topics), (org, orgs))
        ]
        return len(missing)

    def translated_taxonomy(self, topic, org, topic_words, org_words):
        """Pages keep pointing at the default locale's topics (as the models require); the
        topics and organizations get names in this language."""
        code, source_topics = self.language, self.source.topic_rows
        topics = [
            topic(name=f"{TOPIC_PREFIX}{i:02d} ({code}): {word}", slug=source.slug,
                  locale=self.locale, translation_key=source.translation_key)
            for i, (word, source) in enumerate(zip(topic_words, source_topics, strict=True), 1)
        ]  # fmt: skip
        orgs = [
            org(name=f"{ORG_PREFIX}{i:02d} ({code}): {word.capitalize()}", acronym=source.acronym,
                locale=self.locale, translation_key=source.translation_key)
            for i, (word, source) in enumerate(zip(org_words, self.source.org_rows, strict=True), 1)
        ]  # fmt: skip
        self.topic_rows = topic.objects.bulk_create(topics)
        self.org_rows = org.objects.bulk_create(orgs)
        self.topics = self.source.topics
        self.orgs = [row.pk for row in self.org_rows]
        self.indexed = [(topic, [r.pk for r in self.topic_rows]), (org, self.orgs)]
        return 0

    def home(self):
        """The site's home in this language: the default site's root page, its translation, or
        a synthetic translation made for the corpus."""
        site = Site.objects.filter(is_default_site=True).first()
        home = site.root_page.specific if site else None
        if home is None or home._meta.label != "portal.HomePage":
            raise CorpusError("The default site's root page must be the HomePage.")
        if not self.source:
            return home
        found = Page.objects.filter(translation_key=home.translation_key, locale=self.locale)
        if found.exists():
            return found.first().specific
        page = type(home)(title=f"{PREFIX}{home.title} ({self.language})")
        slug = f"{HOME_SLUG}{self.language}"
        return self.add(home.get_parent(), page, FIRST_DAY, slug, home.translation_key,
                        locale=self.locale)  # fmt: skip

    def roots(self):
        home = self.home()
        index_model = apps.get_model("research.ResearchAreaIndexPage")
        area_index = index_model.objects.filter(locale=self.locale).first()
        self.area_index_key = area_index.translation_key if area_index else None
        made = {}
        for slug, (label, title) in ROOTS.items():
            if label == "research.ResearchAreaIndexPage" and area_index is not None:
                continue
            parent = area_index if label == "research.ResearchAreaPage" else home
            key = self.source.root_keys.get(slug) if self.source else None
            if key is None and label == "research.ResearchAreaIndexPage" and self.source:
                key = self.source.area_index_key
            made[slug] = self.add(
                parent,
                apps.get_model(label)(title=PREFIX + title, intro=f"<p>{self.marker}</p>"),
                FIRST_DAY,
                slug,
                key,
            )
            self.root_keys[slug] = made[slug].translation_key
            area_index = made.get("synthetic-research-areas", area_index)
        return made

    def build_areas(self, root, count):
        """Two thirds top-level areas, the rest nested below an earlier one."""
        areas = []
        for number in range(count):
            parent = root if number < max(2, count * 2 // 3) else self.rng.choice(areas)
            page = apps.get_model("research.ResearchAreaPage")(
                title=self.title(), intro=f"<p>{self.summary()}</p>", body=self.body()
            )
            areas.append(self.add(parent, page, self.date()))
            self.tag(page)
        return areas

    def build_studies(self, areas, count):
        studies = []
        for number in range(count):
            start = FIRST_DAY.year * 12 + self.rng.randrange(20 * 12)
            end = (
                None
                if self.rng.random() < 0.15
                else min(start + self.rng.randint(6, 60), 2026 * 12 + 11)
            )
            page = apps.get_model("research.StudyPage")(
                title=self.title(),
                aim=self.summary(),
                start_month=month(start),
                end_month=end and month(end),
                body=self.body(),
            )
            studies.append(self.add(self.rng.choice(areas), page, month(start)))
            # Round-robin first picks put every country and topic to use. A study's `countries`
            # follow its locations only through StudyPage.full_clean (the editor's path), so both
            # are written here.
            countries = self.sample(
                self.countries, 1, 4, first=self.countries[number % len(self.countries)]
            )
            self.children(page, "locations", [{"country_id": pk} for pk in countries])
            self.link(page, "countries", countries)
            self.link(
                page,
                "topics",
                self.sample(self.topics, 1, 3, first=self.topics[number % len(self.topics)]),
            )
            self.children(
                page,
                "implementers",
                [{"organization_id": pk} for pk in self.sample(self.orgs, 1, 3)],
            )
            self.children(
                page,
                "objectives",
                [{"text": self.text(self.words(8, 16))} for _ in range(self.rng.randint(2, 5))],
            )
        return studies

    def output(self, parent, page, studies, empty_countries=0.0):
        """Date, taxonomy and related studies: what every output type carries."""
        page.date = self.date()
        self.add(parent, page, page.date)
        self.tag(page, countries=self.rng.random() >= empty_countries)
        self.link(page, "studies", studies)
        return page

    def build_outputs(self, plan_counts, roots, areas, studies):
        publications = roots["synthetic-publications"]
        categories = [
            value for value, _ in apps.get_model("research.FindingsPage").CATEGORY_CHOICES
        ]
        for _ in range(plan_counts["research.FindingsPage"]):
            where, study = self.rng.random(), self.rng.choice(studies)
            parent = (
                study if where < 0.5 else self.rng.choice(areas) if where < 0.75 else publications
            )
            page = apps.get_model("research.FindingsPage")(
                title=self.title(),
                category=self.rng.choice(categories),
                summary=self.summary(),
                body=self.body(),
            )
            # Three in ten name no countries, as editors do when the studies' countries apply.
            self.output(parent, page, self.sample(studies, 0, 2, first=study), empty_countries=0.3)
        for _ in range(plan_counts["briefs.JournalSupplementPage"]):
            page = apps.get_model("briefs.JournalSupplementPage")(
                title=self.title(),
                journal=f"Synthetic Journal of {self.rng.choice(self.vocabulary).capitalize()}",
                volume=str(self.rng.randint(1, 40)),
                issue=f"Supplement {self.rng.randint(1, 4)}",
                intro=f"<p>{self.summary()}</p>",
            )
            self.output(publications, page, self.sample(studies, 1, 4))
            for order in range(self.rng.randint(3, 6)):
                self.article(page, order, studies)
        for _ in range(plan_counts["briefs.PolicyBriefPage"]):
            page = apps.get_model("briefs.PolicyBriefPage")(
                title=self.title(), summary=f"<p>{self.summary()}</p>"
            )
            page.body = self.body()
            self.output(roots["synthetic-briefs"], page, self.sample(studies, 0, 3))
            for name in ("key_messages", "recommendations"):
                texts = [self.text(self.words(8, 20)) for _ in range(self.rng.randint(2, 4))]
                self.children(page, name, [{"text": text} for text in texts])
        for _ in range(plan_counts["briefs.NewsPage"]):
            page = apps.get_model("briefs.NewsPage")(
                title=self.title(), summary=self.summary(limit=600), body=self.body()
            )
            self.output(roots["synthetic-news"], page, self.sample(studies, 0, 1))

    def article(self, page, order, studies):
        number = self.article_count + len(self.articles) + 1
        article = apps.get_model("briefs.SupplementArticle")(
            locale_id=page.locale_id,
            sort_order=order,
            title=self.title(),
            authors=", ".join(
                f"Synthetic Author {self.rng.randint(1, 999)}"
                for _ in range(self.rng.randint(1, 6))
            ),
            year=page.date.year - self.rng.randint(0, 1),
            doi=f"10.5555/synthetic.{number}",
            abstract=self.summary(),
            open_access=self.rng.random() < 0.5,
        )
        self.articles.append((article, page, self.sample(studies, 1, 3)))

    def run(self, index=True):
        self.started = time.monotonic()
        has_index = apps.get_model("research.ResearchAreaIndexPage").objects.exists()
        # A translation has its source's plan, page for page.
        plan_counts = self.source.plan_counts if self.source else plan(self.pages, has_index)
        self.plan_counts = plan_counts
        self.log(f"Generating {self.pages} synthetic pages in {self.language} (seed {self.seed})…")
        with transaction.atomic():  # bulk inserts: no signals, so no per-save index work
            new_countries = self.taxonomy(plan_counts)
            roots = self.roots()
            areas = self.build_areas(
                roots["synthetic-research"], plan_counts["research.ResearchAreaPage"]
            )
            studies = self.build_studies(areas, plan_counts["research.StudyPage"])
            self.build_outputs(plan_counts, roots, areas, studies)
            self.flush()
            self.set_numchild()
        Site.clear_site_root_paths_cache()  # a synthetic home translates the site's root
        built = time.monotonic() - self.started
        if index:  # Wagtail's own index (admin search); the site search has `search_index rebuild`
            backends = list(get_search_backends(with_auto_update=True))
            for model, pks in [
                *((apps.get_model(label), pks) for label, pks in self.created.items()),
                *self.indexed,
            ]:
                for backend, start in itertools.product(backends, range(0, len(pks), 500)):
                    backend.add_bulk(
                        model,
                        list(model.get_indexed_objects().filter(pk__in=pks[start : start + 500])),
                    )
        seconds, total = time.monotonic() - self.started, self.number
        counts = {label: len(pks) for label, pks in sorted(self.created.items())}
        for label, count in counts.items():
            self.log(f"  {label}: {count}")
        self.log(
            f"{total} pages, {self.article_count} supplement articles, {len(self.countries)} "
            f"countries, {len(self.topics)} topics in {seconds:.1f} s ({total / seconds:.0f} "
            f"pages/s; {built:.1f} s building, {seconds - built:.1f} s in Wagtail's search index). "
            "Site search: run `manage.py search_index rebuild`."
        )
        sizes = {
            "articles": self.article_count,
            "topics": len(self.topics),
            "organizations": len(self.orgs),
        }
        sizes.update(
            countries=len(self.countries), new_countries=new_countries, seconds=round(seconds, 1)
        )
        return {**counts, "pages": total, **sizes}


def _pks(values):
    """Field values with objects (pages inserted since they were queued) as their pks."""
    return {name: getattr(value, "pk", value) for name, value in values.items()}


def month(index):
    """Months counted from year 0, back to the first day of that month."""
    return datetime.date(index // 12, index % 12 + 1, 1)
