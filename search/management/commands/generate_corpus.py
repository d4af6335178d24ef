"""`manage.py generate_corpus --pages N [--seed S] [--clear]`: the synthetic corpus for search benchmarks."""

from django.core.management.base import BaseCommand, CommandError

from search.corpus import MIN_PAGES, CorpusError, clear_corpus, generate_corpus


class Command(BaseCommand):
    help = (
        "Build a deterministic synthetic corpus of N pages of every content type below the home page "
        "(titles 'Synthetic: …'), for search benchmarks and tests. --clear removes a previous one first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--pages", type=int, required=True, help=f"Pages to create (at least {MIN_PAGES})."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same corpus."
        )
        parser.add_argument(
            "--clear", action="store_true", help="Delete a previously generated corpus first."
        )
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="Leave the pages out of Wagtail's (admin) search index.",
        )

    def handle(self, *args, pages, seed, clear, no_index, **options):
        if pages < MIN_PAGES:  # before --clear deletes anything
            raise CommandError(
                f"--pages must be at least {MIN_PAGES}, so that every page type is present."
            )
        try:
            if clear:
                clear_corpus(stdout=self.stdout)
            generate_corpus(pages, seed=seed, stdout=self.stdout, index=not no_index)
        except CorpusError as error:
            raise CommandError(str(error)) from error
