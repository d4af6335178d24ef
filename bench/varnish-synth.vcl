# The ceiling for bench/edge_bench.py: what this Varnish serves when it does nothing but answer.
# vcl_recv answers every request with a synthetic 200, so there is no lookup, no stored object
# and no backend; bench/edge_bench.py renders each @..._BODY@ into a body of exactly the bytes
# the portal's page of that name sends through the edge (gzip), and each @..._HEADERS@ into
# that page's own response headers (all but those varnishd sets itself, and Content-Encoding,
# since the body is not gzip), so the answer has the page's size, headers and body. varnishd
# runs with the parameters scripts/varnish.sh gives it. GET /home, /study, /listing; anything
# else is empty.
vcl 4.1;

backend default none;

sub vcl_recv {
    return (synth(200));
}

sub vcl_synth {
    set resp.http.Content-Type = "text/html; charset=utf-8";
    if (req.url == "/home") {
@HOME_HEADERS@
        synthetic({"@HOME_BODY@"});
    } elsif (req.url == "/study") {
@STUDY_HEADERS@
        synthetic({"@STUDY_BODY@"});
    } elsif (req.url == "/listing") {
@LISTING_HEADERS@
        synthetic({"@LISTING_BODY@"});
    }
    return (deliver);
}
