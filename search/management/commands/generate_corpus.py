"""`manage.py generate_corpus --pages N [--seed S] [--clear]`: the synthetic corpus for search benchmarks."""

from django.core.management.base import BaseCommand, CommandError

from search.corpus import CorpusError, clear_corpus, generate_corpus


class Command(BaseCommand):
    help = (
        "Build a deterministic synthetic corpus (titles 'Synthetic: …') of about N pages of every type "
        "below the home page, for search benchmarks. --clear removes a previous one first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pages", type=int, required=True, help="How many pages to create (at least 30).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same corpus.")
        parser.add_argument("--clear", action="store_true", help="Delete a previously generated corpus first.")
        parser.add_argument(
            "--no-index", action="store_true", help="Skip adding the pages to the search index (update_index later)."
        )

    def handle(self, *args, pages, seed, clear, no_index, **options):
        if clear:
            clear_corpus(stdout=self.stdout)
        try:
            generate_corpus(pages, seed=seed, stdout=self.stdout, index=not no_index)
        except CorpusError as error:
            raise CommandError(str(error)) from error
