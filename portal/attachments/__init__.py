"""The text of uploaded documents (PDFs), read off the request path, for search to index.

An upload queues its document (`extraction.queue`); a worker thread started after the
commit, or cron's `document_text extract`, reads it in a child process with limits
(`reader.py`) and records the outcome: the text page by page, no text layer, or skipped with
a reason staff see in the admin. `text_extracted` then tells whoever indexes pages which
document changed; `texts` says which documents a page links to and which page of a
document a snippet came from.
"""
