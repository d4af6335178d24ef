"""OpenSearch 2/3 through opensearch-py (the elasticsearch client refuses OpenSearch servers)."""

import opensearchpy
from opensearchpy import helpers

from .cluster import ClusterBackend


class OpenSearchBackend(ClusterBackend):
    label = "opensearch"
    client_errors = (opensearchpy.exceptions.OpenSearchException,)

    def make_client(self):
        return opensearchpy.OpenSearch(
            hosts=[self.url],
            timeout=self.timeout,
            max_retries=0,
            retry_on_timeout=False,
            http_compress=self.compress,
            pool_maxsize=self.bulk_threads + 1,
        )

    def bulk(self, actions):
        indexed, _errors = self.call(
            helpers.bulk,
            self.client,
            actions,
            chunk_size=self.bulk_chunk,
            max_retries=0,
            request_timeout=max(self.timeout, self.bulk_timeout),
        )
        return indexed
