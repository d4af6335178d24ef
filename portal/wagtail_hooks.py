"""Wagtail hooks of the site core."""

from wagtail import hooks


@hooks.register("before_serve_page")
def remember_the_page_served(page, request, serve_args, serve_kwargs):
    """portal.edge tags the response with the page's surrogate keys."""
    request.edge_page = page
