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
import datetime
import functools
import itertools
import os
import random
import sys
import time
import uuid
from collections import defaultdict
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
from django.utils.text import slugify
from wagtail.models import Locale, Page, PageLogEntry, ReferenceIndex, Site
from wagtail.search.backends import get_search_backends
from wagtail.signal_handlers import disable_reference_index_auto_update

from portal.bulk import delete_receivers_muted, insert_pages, insert_rows

PREFIX = "Synthetic: "
MARKER = "Synthetic page generated for benchmarks."
TOPIC_PREFIX = "Synthetic topic "  # in every language, so that `clear` finds translations too
ORG_PREFIX = "Synthetic org "
FLUSH_EVERY = 500
MIN_PAGES = 30  # enough for every page type
FIRST_DAY, LAST_DAY = datetime.date(2005, 1, 1), datetime.date(2026, 6, 30)

# Public-health words, one per stem under Porter and Snowball (English) alike; "community" is the
# one word the two stem differently (commun / communiti), kept because it is the field's key word.
_WORDS = """
    costing financing malaria pneumonia diarrhoea surveillance supervision community treatment
    diagnosis vaccination immunisation nutrition stunting anaemia tuberculosis hiv maternal newborn
    neonatal child adolescent household district facility hospital clinic pharmacy medicine
    antibiotic amoxicillin zinc oral rehydration referral adherence coverage equity access quality
    workforce volunteer incentive training mentoring governance policy budget expenditure insurance
    subsidy procurement stockout logistics supply evaluation monitoring indicator registry
    enumeration questionnaire cohort trial randomised ethnography interview sampling mortality
    morbidity incidence prevalence outbreak epidemic cholera measles dengue ebola typhoid sanitation
    hygiene water handwashing breastfeeding contraception pregnancy antenatal delivery midwife nurse
    physician prescriber laboratory microscopy rapid testing mobile digital dashboard smartphone
    rural urban remote village region ministry donor partner ngo stakeholder advocacy accountability
    transparency decentralisation integration scale sustainability efficiency effectiveness
    affordability pilot intervention protocol guideline algorithm fever cough danger wasting obesity
    diabetes hypertension cancer injury disability mental depression refugee conflict climate
    drought flood migration gender poverty education literacy caregiver counselling outreach
    campaign bednet insecticide mosquito parasite resistance genomics
    """
VOCABULARY = tuple(_WORDS.split())
# The same words in French and Portuguese, position for position (a corpus in another language
# is the English one with each word replaced by the word at the same position): one per stem
# under that language's Snowball stemmer with folding, none a stop word (tests/test_corpus.py).
_FRENCH = """
    chiffrage financement paludisme pneumonie diarrhée surveillance encadrement communauté
    traitement diagnostic vaccination immunisation nutrition retard anémie tuberculose vih
    maternel nourrisson néonatal enfant adolescent ménage district établissement hôpital clinique
    pharmacie médicament antibiotique amoxicilline zinc oral réhydratation orientation observance
    couverture équité accès qualité effectifs bénévole incitation formation tutorat gouvernance
    politique budget dépense assurance subvention approvisionnement rupture logistique fourniture
    évaluation suivi indicateur registre dénombrement questionnaire cohorte essai randomisé
    ethnographie entretien échantillonnage mortalité morbidité incidence prévalence flambée
    épidémie choléra rougeole dengue ebola typhoïde assainissement hygiène eau lavage allaitement
    contraception grossesse prénatal accouchement maïeuticien infirmier médecin prescripteur
    laboratoire microscopie rapide dépistage mobile numérique tableau smartphone rural urbain isolé
    village région ministère bailleur partenaire ong acteur plaidoyer redevabilité transparence
    décentralisation intégration échelle pérennité efficience efficacité accessibilité pilote
    intervention protocole directive algorithme fièvre toux danger émaciation obésité diabète
    hypertension cancer blessure handicap mental dépression réfugié conflit climat sécheresse
    inondation migration genre pauvreté éducation alphabétisation soignant conseil proximité
    campagne moustiquaire insecticide moustique parasite résistance génomique
    """
_PORTUGUESE = """
    custeio financiamento malária pneumonia diarreia vigilância supervisão comunidade tratamento
    diagnóstico vacinação imunização nutrição nanismo anemia tuberculose vih materno lactente
    neonatal criança adolescente domicílio distrito unidade hospital clínica farmácia medicamento
    antibiótico amoxicilina zinco oral reidratação encaminhamento adesão cobertura equidade acesso
    qualidade efetivo voluntário incentivo formação tutoria governança política orçamento despesa
    seguro subsídio aquisição ruptura logística abastecimento avaliação monitoria indicador registo
    recenseamento questionário coorte ensaio aleatorizado etnografia entrevista amostragem
    mortalidade morbilidade incidência prevalência surto epidemia cólera sarampo dengue ébola
    tifoide saneamento higiene água lavagem amamentação contraceção gravidez prenatal parto
    parteira enfermeiro doutor prescritor laboratório microscopia rápido testagem móvel digital
    painel telemóvel rural urbano remoto aldeia região ministério doador parceiro ong interveniente
    advocacia responsabilização transparência descentralização integração escala sustentabilidade
    eficiência eficácia acessibilidade piloto intervenção protocolo diretriz algoritmo febre tosse
    perigo emaciação obesidade diabetes hipertensão cancro lesão deficiência mental depressão
    refugiado conflito clima seca cheia migração género pobreza educação alfabetização cuidador
    aconselhamento extensão campanha mosquiteiro inseticida mosquito parasita resistência genómica
    """
VOCABULARIES = {"en": VOCABULARY, "fr": tuple(_FRENCH.split()), "pt": tuple(_PORTUGUESE.split())}
MARKERS = {
    "en": MARKER,
    "fr": "Page synthétique générée pour les mesures.",
    "pt": "Página sintética gerada para as medições.",
}

# ISO 3166-1 alpha-2 codes and short names, by the Country model's regions.
COUNTRY_TABLE = {
    "western-africa": (
        "BJ Benin; BF Burkina Faso; CV Cabo Verde; CI Côte d'Ivoire; GM Gambia; "
        "GH Ghana; GN Guinea; GW Guinea-Bissau; LR Liberia; ML Mali; MR Mauritania; NE Niger; "
        "NG Nigeria; SN Senegal; SL Sierra Leone; TG Togo"
    ),
    "eastern-africa": (
        "BI Burundi; KM Comoros; DJ Djibouti; ER Eritrea; ET Ethiopia; "
        "KE Kenya; MG Madagascar; MW Malawi; MZ Mozambique; RW Rwanda; SO Somalia; "
        "SS South Sudan; TZ Tanzania; UG Uganda; ZM Zambia; ZW Zimbabwe"
    ),
    "middle-africa": (
        "AO Angola; CM Cameroon; CF Central African Republic; TD Chad; CG Congo; "
        "CD Democratic Republic of the Congo; GA Gabon"
    ),
    "southern-africa": "BW Botswana; SZ Eswatini; LS Lesotho; NA Namibia; ZA South Africa",
    "northern-africa": "EG Egypt; MA Morocco; SD Sudan; TN Tunisia",
    "asia": (
        "AF Afghanistan; BD Bangladesh; KH Cambodia; IN India; ID Indonesia; LA Laos; "
        "MM Myanmar; NP Nepal; PK Pakistan; PH Philippines; VN Viet Nam; YE Yemen"
    ),
    "latin-america-caribbean": (
        "BO Bolivia; GT Guatemala; HT Haiti; HN Honduras; NI Nicaragua; PE Peru"
    ),
}
COUNTRIES = [
    (code, name, region)
    for region, spec in COUNTRY_TABLE.items()
    for code, name in (item.strip().split(" ", 1) for item in spec.split(";"))
]

# slug -> (model label, title) of the roots; the index root is made only when the site has none.
ROOTS = {
    "synthetic-research-areas": ("research.ResearchAreaIndexPage", "Research areas"),
    "synthetic-research": ("research.ResearchAreaPage", "Research"),
    "synthetic-publications": ("research.PublicationIndexPage", "Publications"),
    "synthetic-briefs": ("briefs.PolicyBriefIndexPage", "Policy briefs"),
    "synthetic-news": ("briefs.NewsIndexPage", "News"),
}


class CorpusError(Exception):
    """The corpus cannot be built as asked (one exists already, too few pages, no home page)."""


HOME_SLUG = "synthetic-home-"  # + code: a locale's home, made when the site has none in it


def synthetic_roots():
    slugs = Q(slug__in=ROOTS) | Q(slug__startswith=HOME_SLUG, depth=2)
    return Page.objects.filter(slugs, title__startswith=PREFIX)


def corpus_exists():
    topic = apps.get_model("research.Topic")
    return (
        synthetic_roots().exists() or topic.objects.filter(name__startswith=TOPIC_PREFIX).exists()
    )


def plan(pages, has_area_index=True):
    """How many pages of each type make `pages` in all (studies cap at 500; outputs take the
    rest)."""
    if pages < MIN_PAGES:
        raise CorpusError(
            f"Ask for at least {MIN_PAGES} pages, so that every page type is present."
        )
    roots = len(ROOTS) - int(has_area_index)
    studies = min(500, pages // 10)
    areas = min(60, max(3, studies // 10))
    rest = pages - roots - studies - areas
    supplements, briefs, news = max(1, rest // 20), max(1, rest // 5), max(1, rest // 4)
    return {
        "roots": roots,
        "research.ResearchAreaPage": areas,
        "research.StudyPage": studies,
        "research.FindingsPage": rest - supplements - briefs - news,
        "briefs.JournalSupplementPage": supplements,
        "briefs.PolicyBriefPage": briefs,
        "briefs.NewsPage": news,
        "topics": min(30, max(3, pages // 40)),
        "organizations": min(40, max(3, studies // 10)),
    }


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
