"""What issue 18 adds to a search, switched on over the benchmark's synthetic corpus: the text
of a PDF on every brief, synonyms over the corpus's own words, and promotions. Also the two
costs of it timed on their own: reading PDFs (pages per second) and counting the vocabulary
during a store rebuild. Everything made here is synthetic and says so."""

import random
import time
from contextlib import contextmanager

SOURCE = "bench:synthetic"  # DocumentText.source of the benchmark's PDF texts
DESCRIPTION = "Synthetic promotion (benchmark)"
PDF_PAGES, PAGE_WORDS = 4, 250  # each brief's PDF: 4 pages of 250 words
SYNONYM_RULES = 20  # pairs of corpus words, in each language
PROMOTED_WORDS = 5


def enable(seed, codes):
    """PDF text, synonyms and promotions, each made once and reused by later runs."""
    briefs = attach_pdf_text(seed)
    rules = add_synonyms(seed, codes)
    promoted = promote(seed, codes)
    print(f"   PDF text on {briefs:,} briefs ({PDF_PAGES} pages of {PAGE_WORDS} synthetic words "
          f"each); {rules} synonym rules over the corpus's words; promotions for "
          f"{', '.join(promoted)}")  # fmt: skip
    return promoted


def _pdf_pages(rng, code):
    from bench.corpus_data import VOCABULARIES

    words = VOCABULARIES[code]
    return [" ".join(rng.choice(words) for _ in range(PAGE_WORDS)) for _ in range(PDF_PAGES)]


def attach_pdf_text(seed):
    """Every synthetic brief links a PDF whose text has been read: a document, its
    `DocumentText`, the brief's `document` and the reference-index row its publish would have
    written (the bulk corpus sends no signals). One small real PDF file serves them all."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model
    from wagtail.models import Collection, Page, ReferenceIndex

    from bench.corpus_data import PREFIX
    from briefs.models import PolicyBriefPage
    from portal.attachments.models import DocumentText
    from portal.demo import pdf

    briefs = list(
        PolicyBriefPage.objects.filter(title__startswith=PREFIX)
        .order_by("pk")
        .values_list("pk", "locale__language_code", "document_id")
    )
    if all(pdf_id for _pk, _code, pdf_id in briefs):
        return len(briefs)
    Document = get_document_model()
    rng = random.Random(seed)
    sample = Document(title=f"{PREFIX}PDF", collection=Collection.get_first_root_node())
    sample.file.save("bench-synthetic.pdf", ContentFile(pdf.build([["Synthetic."]])), save=False)
    sample.save()
    missing = [(pk, code) for pk, code, pdf_id in briefs if not pdf_id]
    same = {"file": sample.file.name, "collection_id": sample.collection_id,
            "file_size": sample.file_size, "file_hash": sample.file_hash}  # fmt: skip
    documents = Document.objects.bulk_create(
        Document(title=f"{PREFIX}PDF {pk}", **same) for pk, _code in missing
    )
    texts = [
        DocumentText(document=document, source=SOURCE, status=DocumentText.Status.TEXT,
                     pages=pages, page_count=len(pages), characters=sum(map(len, pages)))
        for document, (_pk, code) in zip(documents, missing, strict=True)
        for pages in [_pdf_pages(rng, code)]
    ]  # fmt: skip
    DocumentText.objects.bulk_create(texts, batch_size=500)
    rows = [
        PolicyBriefPage(pk=pk, document_id=d.pk)
        for (pk, _c), d in zip(missing, documents, strict=True)
    ]
    PolicyBriefPage.objects.bulk_update(rows, ["document"], batch_size=500)
    brief_type, page_type, document_type = (
        ContentType.objects.get_for_model(model) for model in (PolicyBriefPage, Page, Document)
    )
    path_hash = ReferenceIndex._get_content_path_hash("document")
    ReferenceIndex.objects.bulk_create(
        (ReferenceIndex(content_type=brief_type, base_content_type=page_type, object_id=str(pk),
                        to_content_type=document_type, to_object_id=str(d.pk),
                        model_path="document", content_path="document",
                        content_path_hash=path_hash)
         for (pk, _code), d in zip(missing, documents, strict=True)),
        batch_size=500, ignore_conflicts=True,
    )  # fmt: skip
    return len(briefs)


def add_synonyms(seed, codes):
    """`SYNONYM_RULES` pairs of the corpus's words in each language (so that about a quarter
    of the queries' words are expanded), on top of the demo's rules."""
    from bench.corpus_data import VOCABULARIES
    from search import synonyms
    from search.models import Synonym

    rng = random.Random(seed)
    rules = []
    for code in codes:
        words = rng.sample(sorted(set(VOCABULARIES[code])), SYNONYM_RULES * 2)
        rules += [
            Synonym(terms=f"{a}, {b}", language=code)
            for a, b in zip(words[::2], words[1::2], strict=True)
        ]
    Synonym.objects.bulk_create(rules, ignore_conflicts=True)
    synonyms.forget()
    return len(rules)


def promote(seed, codes):
    """Synthetic pages promoted for a few of the corpus's words (the `word` queries ask for
    them as often as any other word); returns the words."""
    from wagtail.contrib.search_promotions.models import Query, SearchPromotion

    from bench.corpus_data import PREFIX, VOCABULARIES
    from research.models import FindingsPage

    rng = random.Random(seed)
    words = rng.sample(sorted(set(VOCABULARIES[codes[0]])), PROMOTED_WORDS)
    pages = list(
        FindingsPage.objects.live().filter(title__startswith=PREFIX, locale__language_code=codes[0])
        .order_by("pk")[:PROMOTED_WORDS]
    )  # fmt: skip
    for word, page in zip(words, pages, strict=True):
        SearchPromotion.objects.get_or_create(
            query=Query.get(word), defaults={"page": page, "description": DESCRIPTION}
        )
    return words


def extraction_rate(count=20, pages=10, seed=1):
    """PDFs read the way uploads are (`extraction.read_pdf`: pypdf in a child process with
    its limits): pages per second over `count` generated PDFs of `pages` pages each."""
    from portal.attachments import extraction
    from portal.demo import pdf

    rng = random.Random(seed)
    files = [
        pdf.build([[text] for text in _pdf_pages(rng, "en") * (pages // PDF_PAGES + 1)][:pages])
        for _ in range(count)
    ]
    started = time.perf_counter()
    read = sum(extraction.read_pdf(data).page_count for data in files)
    seconds = time.perf_counter() - started
    print(f"   read {count} PDFs of {pages} pages ({sum(map(len, files)) / count / 1000:.0f} KB "
          f"each): {read} pages in {seconds:.2f} s, {read / seconds:.1f} pages/s, "
          f"{seconds / count * 1000:.0f} ms a PDF")  # fmt: skip
    return {"pages_per_second": read / seconds, "ms_per_pdf": seconds / count * 1000,
            "pages": read}  # fmt: skip


class VocabularyTimer:
    """Time spent counting the vocabulary (`vocabulary.add`, and its `clear` at the start)
    inside a store rebuild: the share of the rebuild it costs, measured in the same run."""

    def __init__(self):
        self.seconds = 0.0

    @contextmanager
    def installed(self):
        from search import vocabulary

        saved = vocabulary.add, vocabulary.clear

        def timed(function):
            def run(*args):
                started = time.perf_counter()
                try:
                    return function(*args)
                finally:
                    self.seconds += time.perf_counter() - started

            return run

        vocabulary.add, vocabulary.clear = timed(saved[0]), timed(saved[1])
        try:
            yield self
        finally:
            vocabulary.add, vocabulary.clear = saved
