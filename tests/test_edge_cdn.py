"""Hosted edges through the same interface: Cloudflare by cache tag, CloudFront by path.

Neither can be reached from here. Cloudflare is tested against tests/fake_cloudflare.py, a
local server speaking its purge API (token, zone, 100 items per request, its error
envelope); CloudFront against moto's server mode, which speaks the CloudFront API, through
Wagtail's own CloudfrontBackend and boto3 (AWS_ENDPOINT_URL_CLOUDFRONT points boto3 at it).
"""

import logging
import uuid

import pytest

from portal import edge
from portal.edge.backends.cloudflare import CloudflareTagsBackend

from .factories import FindingsPageFactory
from .fake_cloudflare import FakeCloudflare
from .helpers import build_search_site, moto_server

CLOUDFLARE = "portal.edge.backends.cloudflare.CloudflareTagsBackend"
CLOUDFRONT = "wagtail.contrib.frontend_cache.backends.CloudfrontBackend"


@pytest.fixture
def site(db, settings):
    settings.EDGE = {**settings.EDGE, "REPURGE_SECONDS": 0}
    return build_search_site()


@pytest.fixture
def cloudflare(settings):
    with FakeCloudflare() as fake:
        settings.WAGTAILFRONTENDCACHE = {
            "cloudflare": {
                "BACKEND": CLOUDFLARE,
                "ZONEID": fake.zone,
                "BEARER_TOKEN": fake.token,
                "API_URL": fake.api_url,
            }
        }
        yield fake


def publish_finding(site, capture, title="A keyed finding"):
    finding = FindingsPageFactory(parent=site.publications, title=title, studies=[site.s2])
    with capture(execute=True):
        finding.save_revision().publish()
    return finding


def test_cloudflare_reads_the_keys_from_cache_tag_and_a_publish_purges_them(
    client, site, cloudflare, django_capture_on_commit_callbacks
):
    study = client.get(site.s2.url)
    tags = study["Cache-Tag"].split(",")
    assert {"all", f"p{site.s2.pk}", f"t{site.area.path}"} <= set(tags)
    assert not study.has_header("Surrogate-Key"), "only the header the configured edge reads"
    finding = publish_finding(site, django_capture_on_commit_callbacks)
    purged = cloudflare.purged("tags")
    assert {edge.tree_key(finding), f"p{site.s2.pk}", f"p{site.area.pk}", "index"} <= purged
    assert f"p{site.s3.pk}" not in purged and "all" not in purged


def test_cloudflare_purges_go_in_requests_of_at_most_100(cloudflare, settings):
    backend = CloudflareTagsBackend(dict(settings.WAGTAILFRONTENDCACHE["cloudflare"]))
    backend.purge_keys([f"p{n}" for n in range(250)])
    assert [len(items) for _field, items in cloudflare.purges] == [100, 100, 50]
    backend.purge_batch(["https://example.org/a/", "https://example.org/b/"])
    assert cloudflare.purged("files") == {"https://example.org/a/", "https://example.org/b/"}


@pytest.mark.parametrize("fault", ["500", "429", "down", "token"])
def test_a_refused_cloudflare_purge_is_logged_and_the_publish_stands(
    client, site, cloudflare, settings, caplog, django_capture_on_commit_callbacks, fault
):
    if fault == "token":
        settings.WAGTAILFRONTENDCACHE["cloudflare"]["BEARER_TOKEN"] = "revoked"
    else:
        cloudflare.fault = fault
    with caplog.at_level(logging.ERROR, logger="portal.edge"):
        finding = publish_finding(site, django_capture_on_commit_callbacks, title="Still out")
    assert finding.live and b"Still out" in client.get(site.s2.url).content
    expected = {"500": "500", "429": "429", "down": "connection", "token": "403"}[fault]
    logged = " ".join(r.getMessage() for r in caplog.records).lower()
    assert "edge purge through cloudflare failed" in logged and expected in logged, logged
    assert not cloudflare.purges


def test_cloudflare_needs_a_zone_and_credentials():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="ZONEID"):
        CloudflareTagsBackend({"ZONEID": "abc"})


@pytest.fixture(scope="module")
def moto():
    with moto_server() as url:
        yield url


@pytest.fixture
def cloudfront(moto, settings):
    import boto3

    client = boto3.client("cloudfront")
    origin = {
        "Id": "portal",
        "DomainName": "portal.example.org",
        "CustomOriginConfig": {
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": "https-only",
        },
    }
    distribution = client.create_distribution(
        DistributionConfig={
            "CallerReference": uuid.uuid4().hex,
            "Comment": "portal",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "portal",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": True, "Cookies": {"Forward": "none"}},
            },
        }
    )["Distribution"]
    settings.WAGTAILFRONTENDCACHE = {
        "cloudfront": {"BACKEND": CLOUDFRONT, "DISTRIBUTION_ID": distribution["Id"]}
    }
    return client, distribution["Id"]


def invalidated_paths(client, distribution_id):
    found = set()
    listing = client.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    for summary in listing.get("Items", []):
        batch = client.get_invalidation(DistributionId=distribution_id, Id=summary["Id"])
        found.update(batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])
    return found


def test_cloudfront_gets_the_paths_with_trees_as_wildcards(
    site, cloudfront, django_capture_on_commit_callbacks
):
    client, distribution_id = cloudfront
    finding = publish_finding(site, django_capture_on_commit_callbacks)
    paths = invalidated_paths(client, distribution_id)
    assert {finding.url + "*", site.s2.url, site.area.url, "/search/*", "/fr/search/*"} <= paths
    assert site.s3.url not in paths and "/*" not in paths


def test_a_site_wide_change_invalidates_everything_on_cloudfront(
    site, cloudfront, django_capture_on_commit_callbacks
):
    client, distribution_id = cloudfront
    with django_capture_on_commit_callbacks(execute=True):
        site.mali.name = "République du Mali"
        site.mali.save()
    assert invalidated_paths(client, distribution_id) == {"/*"}


def test_a_refused_purge_is_kept_and_delivered_by_edge_purge_retry(
    site, cloudflare, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from portal.edge.models import PendingPurge

    cloudflare.fault = "500"
    finding = publish_finding(site, django_capture_on_commit_callbacks, title="Kept purge")
    kept = PendingPurge.objects.get()
    assert kept.backend == "cloudflare" and edge.tree_key(finding) in kept.keys
    assert "500" in kept.last_error and not cloudflare.purges

    call_command("edge_purge", "retry")  # not due yet: the backoff holds it
    assert PendingPurge.objects.count() == 1 and not cloudflare.purges
    call_command("edge_purge", "retry", "--now")  # still refused: one more attempt recorded
    assert PendingPurge.objects.get().attempts == 2
    cloudflare.fault = None
    call_command("edge_purge", "retry", "--now")
    assert not PendingPurge.objects.exists()
    assert {edge.tree_key(finding), f"p{site.s2.pk}"} <= cloudflare.purged("tags")


class HeldTimers:
    """threading.Timer in portal.edge, held instead of started: the publishing process."""

    def __init__(self):
        self.held = []

    def __call__(self, delay, function, args=()):
        timers = self

        class Held:
            daemon = False

            def start(self):
                timers.held.append((function, args))

        return Held()


@pytest.fixture
def held_timers(monkeypatch, settings):
    settings.EDGE = {**settings.EDGE, "REPURGE_SECONDS": 30}
    timers = HeldTimers()
    monkeypatch.setattr("portal.edge.threading.Timer", timers)
    # A real timer's thread closes its own connection when done; a held one runs in the
    # test's thread, whose connection holds the test's transaction (PostgreSQL closes it).
    from django.db import connection

    monkeypatch.setattr(connection, "close", lambda: None)
    return timers


def test_the_second_purge_is_written_down_so_cron_sends_it_if_the_publisher_exits(
    site, cloudflare, held_timers, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from portal.edge.models import PendingPurge

    finding = publish_finding(site, django_capture_on_commit_callbacks, title="Purged twice")
    assert len(cloudflare.purges) == 1 and len(held_timers.held) == 1
    scheduled = PendingPurge.objects.get()
    assert scheduled.attempts == 0 and edge.tree_key(finding) in scheduled.keys
    call_command("edge_purge", "retry")  # not due for 30 s
    assert len(cloudflare.purges) == 1
    # The publishing process exited before its timer fired: cron sends the purge once due.
    call_command("edge_purge", "retry", "--now")
    assert len(cloudflare.purges) == 2 and not PendingPurge.objects.exists()
    assert edge.tree_key(finding) in set(cloudflare.purges[1][1])


def test_a_second_purge_the_edge_refuses_is_retried_by_cron(
    site, cloudflare, held_timers, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from portal.edge.models import PendingPurge

    publish_finding(site, django_capture_on_commit_callbacks)
    ((function, args),) = held_timers.held
    cloudflare.fault = "500"
    function(*args)  # refused: kept with the retry backoff, like a refused first purge
    refused = PendingPurge.objects.get()
    assert refused.attempts == 1 and "500" in refused.last_error
    cloudflare.fault = None
    call_command("edge_purge", "retry", "--now")
    assert len(cloudflare.purges) == 2 and not PendingPurge.objects.exists()


def test_the_publishers_timer_sends_the_second_purge_and_cron_does_not_repeat_it(
    site, cloudflare, held_timers, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from portal.edge.models import PendingPurge

    publish_finding(site, django_capture_on_commit_callbacks)
    ((function, args),) = held_timers.held
    function(*args)
    assert len(cloudflare.purges) == 2 and cloudflare.purges[0] == cloudflare.purges[1]
    assert not PendingPurge.objects.exists()
    call_command("edge_purge", "retry", "--now")
    assert len(cloudflare.purges) == 2
