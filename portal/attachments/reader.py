"""Read a PDF's text page by page: `python -I reader.py [limits] < file.pdf` prints JSON.

The PDF is an upload, so it may be malformed, encrypted, enormous or built to make a
reader loop or eat memory. It is read here, in a child process under a memory and CPU
limit (portal.attachments.extraction starts it with a timeout), so the worst a file can do
is end this process. Nothing here imports Django or the portal: the child starts fast.

The answer is {"status": "text" | "no_text" | "skipped", "reason": str, "pages": [str],
"page_count": int}.
"""

import argparse
import io
import json
import logging
import re
import sys

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ue001]")  # and search's markers


def clean(text):
    """One page's text as search indexes it: control characters out, whitespace collapsed."""
    return " ".join(CONTROL.sub(" ", text).split())


def skipped(reason):
    return {"status": "skipped", "reason": reason, "pages": [], "page_count": 0}


def read(data, max_pages, max_characters):
    """The outcome of reading `data` (bytes) as a PDF."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    if b"%PDF-" not in data[:1024]:  # the header may follow a little junk
        return skipped("not a PDF: only the text of PDF files is read")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # many PDFs only restrict printing or copying
            except DependencyError:
                opened = 0
            if not opened:
                return skipped("encrypted: it opens only with a password")
        count = len(reader.pages)
        if count > max_pages:
            return skipped(f"too large: {count:,} pages (the limit is {max_pages:,})")
        pages, total, reason = [], 0, ""
        for page in reader.pages:
            text = clean(page.extract_text() or "")
            if total + len(text) > max_characters:
                text = text[: max_characters - total]
                reason = f"only the first {max_characters:,} characters are indexed"
            pages.append(text)
            total += len(text)
            if reason:
                break
    except MemoryError:
        raise
    except Exception as error:  # every way a hostile file can fail a parser
        if _out_of_memory(error):
            raise MemoryError from error
        return skipped(f"malformed: {type(error).__name__}: {error}"[:400])
    if not total:
        reason = "no text layer: its pages are images (a scan?), so there is nothing to index"
        return {"status": "no_text", "reason": reason, "pages": [], "page_count": count}
    return {"status": "text", "reason": reason, "pages": pages, "page_count": count}


def _out_of_memory(error):
    """The memory limit met elsewhere than in an allocation: a module loaded lazily whose
    mapping failed (ImportError), or an mmap refused (OSError ENOMEM)."""
    text = str(error).lower()
    return isinstance(error, ImportError | OSError) and ("map" in text or "memory" in text)


def limit(memory_mb, cpu_seconds):
    import resource

    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-pages", type=int, default=500)
    parser.add_argument("--max-characters", type=int, default=500_000)
    parser.add_argument("--memory-mb", type=int, default=512)
    parser.add_argument("--cpu-seconds", type=int, default=60)
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # pypdf logs every oddity of a damaged file
    import pypdf  # noqa: F401  imported before the limits, which count only the reading

    limit(args.memory_mb, args.cpu_seconds)
    data = sys.stdin.buffer.read()
    try:
        outcome = read(data, args.max_pages, args.max_characters)
    except MemoryError:
        outcome = skipped(f"too large: reading it needed more than {args.memory_mb} MB")
    json.dump(outcome, sys.stdout)


if __name__ == "__main__":
    main()
