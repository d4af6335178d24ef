"""The one StreamField vocabulary every page body uses (as bakerydemo does)."""

from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

# Rich text features for intros and summaries: headings from h2, so each page keeps one h1.
RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "document-link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    """A section heading; level 2 or 3 so the page's outline stays in order."""

    text = blocks.CharBlock(max_length=200)
    level = blocks.ChoiceBlock(choices=[("h2", "Level 2"), ("h3", "Level 3")], default="h2")

    class Meta:
        icon = "title"
        template = "portal/blocks/heading_block.html"


class FigureBlock(blocks.StructBlock):
    """An image with optional caption and credit; alt text comes from the image."""

    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False, max_length=250)
    credit = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        icon = "image"
        template = "portal/blocks/figure_block.html"


class QuoteBlock(blocks.StructBlock):
    """A quotation with its source, as said in a cited document."""

    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "portal/blocks/quote_block.html"


class BaseStreamBlock(blocks.StreamBlock):
    """Body content shared by every page type."""

    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "document-link", "ol", "ul"]
    )
    figure = FigureBlock()
    quote = QuoteBlock()
