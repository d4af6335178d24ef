"""Elasticsearch 8/9 through the elasticsearch client (8.x speaks to both)."""

import elastic_transport
import elasticsearch
from elasticsearch import helpers

from .cluster import ClusterBackend


class ElasticsearchBackend(ClusterBackend):
    label = "elasticsearch"
    client_errors = (
        elasticsearch.ApiError,
        elastic_transport.TransportError,
        helpers.BulkIndexError,
    )

    def make_client(self):
        return elasticsearch.Elasticsearch(
            self.url,
            request_timeout=self.timeout,
            max_retries=0,
            retry_on_timeout=False,
            http_compress=self.compress,
        )

    def bulk(self, actions):
        client = self.client.options(request_timeout=max(self.timeout, self.bulk_timeout))
        indexed, _errors = self.call(helpers.bulk, client, actions, chunk_size=self.bulk_chunk)
        return indexed
