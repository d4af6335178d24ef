# The portal's edge cache (Varnish 7.1 with varnish-modules' xkey). scripts/varnish.sh renders
# @BACKEND_HOST@, @BACKEND_PORT@ and @STALE_SECONDS@ and starts varnishd on 127.0.0.1.
#
# What is stored: only what the portal marks with CDN-Cache-Control (public pages, set by
# portal/edge/middleware.py), for the max-age it gives; everything else passes. A reader with
# a session or flash messages always passes, and a response that sets a cookie or says private/no-store/no-cache is never stored.
# Purging: `PURGE /` with an `xkey-purge: key key ...` header soft-purges every object tagged
# with one of the keys (portal/edge/backends/varnish.py), from 127.0.0.1 only. A soft-purged
# copy is served for @STALE_SECONDS@ s while one background fetch renders the new one; after
# that a request waits for the fresh copy. While the portal is down, stale copies are served
# for as long as their grace (stale-if-error) lasts.
vcl 4.1;

import std;
import xkey;

backend portal {
    .host = "@BACKEND_HOST@";
    .port = "@BACKEND_PORT@";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .probe = {
        .url = "/robots.txt";
        .interval = 1s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
    }
}

acl purgers {
    "127.0.0.1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Purging is allowed from 127.0.0.1 only"));
        }
        if (req.http.xkey-purge) {
            set req.http.x-purged = xkey.softpurge(req.http.xkey-purge);
            return (synth(200, "Soft-purged " + req.http.x-purged));
        }
        return (purge);  # one URL: Wagtail's own HTTPBackend
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|django-admin)(/|$)" || req.http.Authorization) {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);  # staff, or a reader with a message waiting: personal
    }
    unset req.http.Cookie;  # anything else (a CSRF token, analytics) does not change a page
    if (std.healthy(req.backend_hint)) {
        set req.grace = @STALE_SECONDS@s;  # stale-while-revalidate; a sick portal gets full grace
    }
    return (hash);
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    if ((beresp.status >= 500 || beresp.http.X-Cache == "stale") && bereq.is_bgfetch) {
        return (abandon);  # keep serving the stale copy
    }
    if (beresp.http.X-Cache == "stale") {
        set beresp.uncacheable = true;  # the portal's previous copy while it renders the new one
        set beresp.ttl = 0s;
        return (deliver);
    }
    # Vary: Cookie alone is not personal here: a request that reaches the cache has no Cookie
    # (stripped in vcl_recv), and a CSRF token or a session would come with a Set-Cookie.
    if (!beresp.http.CDN-Cache-Control
        || beresp.http.Set-Cookie
        || beresp.http.Cache-Control ~ "(?i)private|no-store|no-cache") {
        if (beresp.http.Cache-Control ~ "(?i)public" && beresp.http.Cache-Control ~ "max-age=[1-9]"
            && !beresp.http.Set-Cookie) {
            return (deliver);  # static files and renditions: their own lifetime
        }
        set beresp.uncacheable = true;
        set beresp.ttl = 30s;  # remember not to wait for another request's fetch
        return (deliver);
    }
    set beresp.ttl = std.duration(
        regsub(beresp.http.CDN-Cache-Control, "^.*max-age=([0-9]+).*$", "\1s"), 0s);
    set beresp.grace = std.duration(
        regsub(beresp.http.CDN-Cache-Control, "^.*stale-if-error=([0-9]+).*$", "\1s"), 0s);
    set beresp.http.xkey = beresp.http.Surrogate-Key;
    return (deliver);
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Edge-Cache = "pass";
    } elsif (obj.hits > 0) {
        set resp.http.X-Edge-Cache = "hit";
    } else {
        set resp.http.X-Edge-Cache = "miss";
    }
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.CDN-Cache-Control;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}
