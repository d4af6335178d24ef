"""The edge cache for real: Varnish (scripts/varnish.sh, the repo's VCL) in front of gunicorn.

A publish in another process purges, by surrogate key, exactly the pages that show the page;
personal responses are never stored; grace serves stale copies while the portal is down."""

import json
import shutil
import subprocess
import time

import pytest

from bench import servers

from .helpers import fetch as get
from .helpers import runs_once

pytestmark = [
    pytest.mark.skipif(not shutil.which("varnishd"), reason="needs Debian's varnish"),
    runs_once(),
]

PAGES = """
import json
from research.models import CollaborativeEffortsPage, FindingsPage
finding = FindingsPage.objects.live().filter(locale__language_code="en").first()
study = finding.studies.first()
other = CollaborativeEffortsPage.objects.live().filter(locale__language_code="en").first()
assert not finding.is_descendant_of(other)
assert other.pk not in [p.pk for p in finding.cache_dependents()]
print(json.dumps({"finding": finding.url, "study": study.url, "other": other.url}))
"""

PUBLISH = """
from research.models import FindingsPage
finding = FindingsPage.objects.live().filter(locale__language_code="en").first()
finding.title = "{title}"
finding.save_revision().publish()
"""


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("edge")
    edge_port, app_port = servers.free_port(), servers.free_port()
    env = servers.production_env(
        f"sqlite:///{scratch / 'db.sqlite3'}",
        STATIC_ROOT=scratch / "static",
        MEDIA_ROOT=scratch / "media",
        EDGE_VARNISH_URLS=f"http://127.0.0.1:{edge_port}",
        EDGE_REPURGE_SECONDS="0.5",
    )
    for command in (
        ["migrate", "--noinput"],
        ["load_demo_content"],
        ["collectstatic", "--noinput"],
    ):
        servers.manage(env, *command)
    pages = json.loads(servers.manage(env, "shell", "-c", PAGES).strip().splitlines()[-1])
    run = dict(env)  # Varnish's state under .cache/: its child process must read the VCL
    with servers.gunicorn(env, workers=2, port=app_port, log=scratch / "gunicorn.log") as app:
        subprocess.run(
            ["bash", "scripts/varnish.sh", "start", str(app_port), str(edge_port)],
            cwd=servers.REPO,
            env=run,
            check=True,
            capture_output=True,
        )
        base = f"http://127.0.0.1:{edge_port}"
        try:
            servers.wait_until_up(base + "/robots.txt", timeout=30)
            yield {"base": base, "app": app, "env": env, "pages": pages, "scratch": scratch}
        finally:
            subprocess.run(
                ["bash", "scripts/varnish.sh", "stop", str(edge_port)],
                cwd=servers.REPO,
                env=run,
                check=False,
            )


def warm(url):
    for _ in range(2):
        status, headers, body = get(url)
    assert status == 200 and headers["X-Edge-Cache"] == "hit", (url, status, dict(headers))
    return body


def test_a_publish_purges_the_pages_showing_it_and_nothing_else(edge):
    base, pages = edge["base"], edge["pages"]
    for name in ("finding", "study", "other"):
        warm(base + pages[name])
    assert "Surrogate-Key" not in get(base + pages["study"])[1]  # the keys stay at the edge
    time.sleep(2.5)  # the copies are now older than anything re-fetched after the publish
    title = "Edge-purged findings title"
    servers.manage(edge["env"], "shell", "-c", PUBLISH.format(title=title))
    published = time.monotonic()
    seen = {}
    while len(seen) < 2 and time.monotonic() - published < 5:
        for name in ("finding", "study"):
            if name not in seen and title in get(base + pages[name])[2]:
                seen[name] = time.monotonic() - published
        time.sleep(0.05)
    assert set(seen) == {"finding", "study"}, seen
    assert max(seen.values()) <= 2.0, seen  # new content within 2 s of publish() returning
    status, headers, body = get(base + pages["other"])
    assert headers["X-Edge-Cache"] == "hit" and int(headers["Age"]) >= 2, dict(headers)
    assert title not in body
    _, study_headers, _ = get(base + pages["study"])
    assert int(study_headers["Age"]) < int(headers["Age"])  # re-fetched; "other" never was


def test_personal_responses_are_never_stored(edge):
    base, study = edge["base"], edge["pages"]["study"]
    for _ in range(3):
        status, headers, _ = get(base + study, Cookie="sessionid=abc")
        assert headers["X-Edge-Cache"] == "pass"
        status, headers, _ = get(base + "/admin/login/")
        assert status == 200 and headers["X-Edge-Cache"] == "pass"
        status, headers, _ = get(base + "/newsletter/")
        assert headers["X-Edge-Cache"] != "hit", dict(headers)
    # A reader's CSRF or analytics cookie does not make a page personal: it is still a hit.
    assert get(base + study, Cookie="csrftoken=x; _ga=1")[1]["X-Edge-Cache"] == "hit"


def test_the_edge_benchmarks_synthetic_ceiling_answers_with_the_pages_size_and_headers(edge):
    """bench/edge_bench.py's ceiling: the same Varnish answering, from VCL alone, a body of the
    page's bytes with the page's own headers, so the ratio compares like with like."""
    from bench import edge_bench

    url = edge["base"] + edge["pages"]["study"]
    for _ in range(2):
        status, headers, size, _ = edge_bench.get(url)
    assert status == 200 and headers["X-Edge-Cache"] == "hit"
    answers = {name: (headers, size) for name in ("home", "study", "listing")}
    with edge_bench.synth_varnish(answers, servers.free_port()) as synth:
        status, synthetic, synth_size, body = edge_bench.get(synth + "/study")
    assert status == 200 and synth_size == size and set(body) == {"x"}
    copied = {k: v for k, v in headers.items() if k.lower() not in edge_bench.SYNTH_OWN_HEADERS}
    assert "Content-Security-Policy" in copied  # the longest, with quotes in it
    assert {k: synthetic[k] for k in copied} == copied


def test_grace_serves_stale_copies_while_the_portal_is_down(edge):
    base, pages = edge["base"], edge["pages"]
    body = warm(base + pages["other"])
    subprocess.run(["pkill", "-f", f"127.0.0.1:{edge['app'].rsplit(':', 1)[1]}"], check=False)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and get(base + "/robots.txt?probe")[0] != 503:
        time.sleep(0.3)
    status, headers, stale = get(base + pages["other"])
    assert status == 200 and stale == body
    assert get(base + "/never-cached-before/")[0] == 503
