"""What an update is made of: text, pages staff pick, and "what is new" listed for them.

Blocks render twice, as the email's HTML and as its plain text, from the same values
(`email_context`); neither uses images, so an update reads the same with images off.
"""

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from .interests import get_interests
from .listings import ListedItem, get_listings


def _topics():
    return get_interests().topics()


def _countries():
    return get_interests().countries()


def absolute(url):
    return url if "://" in url else settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url


class PagesBlock(blocks.StructBlock):
    """Pages staff pick, each shown with its title, kind and summary."""

    heading = blocks.CharBlock(required=False, max_length=150)
    pages = blocks.ListBlock(blocks.PageChooserBlock(), min_num=1, label=_("Pages"))

    class Meta:
        icon = "doc-full"
        label = _("Pages to feature")

    def items(self, value, issue):
        pages = [page.specific for page in value["pages"] if page and page.live]
        return [
            ListedItem(
                title=page.title,
                url=absolute(page.get_url() or page.url_path),
                type=str(page.specific_class._meta.verbose_name).capitalize(),
                date=getattr(page, "date", None),
                summary=strip_tags(str(getattr(page, "summary", "") or page.search_description)),
            )
            for page in pages
        ]


class WhatsNewBlock(blocks.StructBlock):
    """Everything first published since the last update was sent, on a topic or a country."""

    heading = blocks.CharBlock(required=False, max_length=150)
    topics = blocks.MultipleChoiceBlock(choices=_topics, required=False, label=_("Topics"))
    countries = blocks.MultipleChoiceBlock(choices=_countries, required=False, label=_("Countries"))
    limit = blocks.IntegerBlock(default=10, min_value=1, max_value=50)

    class Meta:
        icon = "list-ul"
        label = _("What is new since the last update")

    def items(self, value, issue):
        return get_listings().new_since(
            issue.previous_sent_at(),
            issue.language,
            topics=value["topics"],
            countries=value["countries"],
            limit=value["limit"],
        )


class UpdateBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul"])
    pages = PagesBlock()
    whats_new = WhatsNewBlock()
