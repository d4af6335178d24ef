"""The synthetic corpus: every page type, marked, deterministic, and removable."""

import pytest
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from bench.corpus import clear_corpus, corpus_exists, generate_corpus, main
from bench.corpus_data import MARKER, PREFIX, VOCABULARY
from briefs.models import JournalSupplementPage, NewsPage, PolicyBriefPage, SupplementArticle
from research.models import Country, FindingsPage, Organization, ResearchAreaPage, StudyPage, Topic

from .factories import CountryFactory, ResearchAreaIndexPageFactory

pytestmark = pytest.mark.django_db
PAGES = 120
CONTENT_TYPES = [
    ResearchAreaPage,
    StudyPage,
    FindingsPage,
    PolicyBriefPage,
    JournalSupplementPage,
    NewsPage,
]


@pytest.fixture
def corpus(home):
    ResearchAreaIndexPageFactory(parent=home)
    return generate_corpus(PAGES, seed=7)


def synthetic_pages():
    return Page.objects.filter(title__startswith=PREFIX)


def test_every_page_type_is_present_and_the_count_is_right(corpus):
    assert corpus["pages"] == PAGES == synthetic_pages().count()
    for model in CONTENT_TYPES:
        assert model.objects.filter(title__startswith=PREFIX).exists(), model
    assert ResearchAreaPage.objects.filter(title__startswith=PREFIX, depth__gt=5).exists(), (
        "some areas are nested"
    )
    assert (
        corpus["articles"]
        == SupplementArticle.objects.count()
        >= 3 * corpus["briefs.JournalSupplementPage"]
    )


def test_every_page_is_live_below_home_and_marked(corpus, home):
    pages = synthetic_pages().specific()
    assert all(page.live and page.url_path.startswith(home.url_path) for page in pages)
    assert all(page.get_latest_revision() is None for page in pages[:5]), "no revisions"
    for page in pages:
        text = getattr(page, "summary", "") or getattr(page, "aim", "") or page.intro
        assert MARKER in text, page


def test_studies_have_countries_topics_and_partners(corpus):
    for study in StudyPage.objects.filter(title__startswith=PREFIX).prefetch_related(
        "locations", "implementers"
    ):
        assert (
            study.locations.exists() and study.implementers.exists() and study.objectives.exists()
        )
        assert list(study.countries.order_by("pk")) == sorted(
            study.country_list(), key=lambda c: c.pk
        )
        assert study.topics.exists()
        assert study.start_month.day == 1 and 2005 <= study.start_month.year <= 2026
        assert study.end_month is None or study.end_month >= study.start_month


def test_outputs_carry_studies_dates_and_some_inherit_countries(corpus):
    findings = FindingsPage.objects.filter(title__startswith=PREFIX)
    assert all(page.studies.exists() and page.date for page in findings)
    assert findings.filter(countries=None).exists(), (
        "some findings leave countries to their studies"
    )
    assert all(
        article.studies.exists() and article.year for article in SupplementArticle.objects.all()
    )
    assert Topic.objects.filter(name__startswith="Synthetic topic ").count() == corpus["topics"]
    assert (
        Organization.objects.filter(name__startswith="Synthetic org ").count()
        == corpus["organizations"]
    )


def test_countries_are_real_and_reused_by_code(home):
    mali = CountryFactory(code="ML", name="Mali")
    generate_corpus(40)
    assert Country.objects.count() >= 55
    assert Country.objects.get(code="ML") == mali
    assert Country.objects.filter(code="KE", name="Kenya", region="eastern-africa").exists()


def test_text_comes_from_the_vocabulary(corpus):
    assert 140 <= len(VOCABULARY) == len(set(VOCABULARY))
    allowed = {*VOCABULARY, *(word.lower() for word in MARKER.rstrip(".").split())}
    for page in FindingsPage.objects.filter(title__startswith=PREFIX)[:10]:
        assert 3 <= len(page.title.removeprefix(PREFIX).split()) <= 8
        words = page.summary.replace(".", "").lower().split()
        assert set(words) <= allowed and 20 <= len(words) - 5 <= 40
    assert all(len(page.summary) <= 600 for page in NewsPage.objects.all())


def test_pages_are_in_wagtails_search_index(corpus):
    found = get_search_backend().search(PREFIX.rstrip(": "), StudyPage)
    assert found.count() == corpus["research.StudyPage"]


def run_main(capsys, *argv):
    """The command line in-process: (exit status, stdout, stderr)."""
    try:
        status = main(list(argv))
    except SystemExit as exit:
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def test_same_seed_same_corpus_and_clear_removes_it(corpus, capsys):
    first = list(synthetic_pages().order_by("path").values_list("title", "url_path"))
    assert corpus_exists()
    status, _, err = run_main(capsys, "generate", "--pages", str(PAGES))
    assert status == 1 and "exists already" in err

    removed = clear_corpus()
    assert removed["pages"] == PAGES and not corpus_exists()
    assert not synthetic_pages().exists() and not SupplementArticle.objects.exists()
    assert not Topic.objects.filter(name__startswith="Synthetic").exists()
    assert Country.objects.count() >= 55, "countries are real data and stay"

    generate_corpus(PAGES, seed=7)
    assert list(synthetic_pages().order_by("path").values_list("title", "url_path")) == first
    status, out, _ = run_main(capsys, "generate", "--pages", str(PAGES), "--seed", "8", "--clear")
    assert status == 0 and "pages/s" in out
    assert list(synthetic_pages().order_by("path").values_list("title", "url_path")) != first
    assert run_main(capsys, "clear")[0] == 0 and not corpus_exists()


def test_corpus_without_a_research_area_index_makes_its_own(home, capsys):
    counts = generate_corpus(40)
    assert counts["research.ResearchAreaIndexPage"] == 1
    clear_corpus()
    assert not Page.objects.filter(title__startswith=PREFIX).exists()
    status, _, err = run_main(capsys, "generate", "--pages", "10")
    assert status == 2 and "at least" in err


def test_a_trilingual_corpus_is_the_english_one_translated_page_for_page(home):
    """Each language is a translation of the English pages (shared translation_key, the same
    tree, dates and taxonomy) in its own vocabulary, below its locale's home; `clear` removes
    all of it."""
    from bench.corpus_data import MARKERS, VOCABULARIES
    from search import languages

    corpus = generate_corpus(3 * 40, seed=7, languages=["en", "fr", "pt"])
    by_locale = {
        code: list(
            synthetic_pages().filter(locale__language_code=code, depth__gt=2).order_by("path")
        )
        for code in ("en", "fr", "pt")
    }
    assert corpus["languages"] == {"en": 40, "fr": 41, "pt": 41}, "each adds its home"
    assert len(by_locale["en"]) == len(by_locale["fr"]) == len(by_locale["pt"]) == 40
    for english, french in zip(by_locale["en"], by_locale["fr"], strict=True):
        assert english.translation_key == french.translation_key
        assert english.specific_class is french.specific_class and english.depth == french.depth
        assert english.first_published_at == french.first_published_at
    french_study = StudyPage.objects.filter(locale__language_code="fr").first()
    english_study = StudyPage.objects.get(translation_key=french_study.translation_key,
                                          locale__language_code="en")  # fmt: skip
    assert french_study.start_month == english_study.start_month
    assert set(french_study.topics.all()) == set(english_study.topics.all()), "default locale's"
    assert french_study.topics.first().locale.language_code == "en"
    french = languages.get("fr")
    words = french.words(french_study.aim.replace(MARKERS["fr"], ""))
    assert words and set(words) <= set(VOCABULARIES["fr"])
    accented = [w for w in VOCABULARIES["fr"] + VOCABULARIES["pt"] if not w.isascii()]
    assert len(accented) >= 60, "folding is exercised"
    assert Topic.objects.filter(locale__language_code="pt", name__startswith="Synthetic topic")
    findings = FindingsPage.objects.filter(locale__language_code="pt", studies__isnull=False)
    assert all(s.locale.language_code == "pt" for f in findings[:20] for s in f.studies.all())
    clear_corpus()
    assert not synthetic_pages().exists() and not corpus_exists()
    assert not Topic.objects.filter(name__startswith="Synthetic").exists()


@pytest.mark.parametrize("code", ["en", "fr", "pt"])
def test_each_vocabulary_has_one_word_per_stem_and_no_stop_words(code):
    from bench.corpus_data import VOCABULARIES
    from search import languages

    language = languages.get(code)
    vocabulary = VOCABULARIES[code]
    terms = [language.term(word) for word in vocabulary]
    assert len(vocabulary) == len(VOCABULARY), "position for position"
    assert None not in terms and len(set(terms)) == len(vocabulary)
