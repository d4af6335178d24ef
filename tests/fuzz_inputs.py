"""Hypothesis strategies for the fuzz tests: hostile query strings and form bodies.

Values are built as raw bytes and percent-encoded by hand rather than by the
test client, so they can carry what a real client can send but Django's
client would refuse to encode: lone surrogates (as their invalid UTF-8
bytes), invalid UTF-8, NUL and other control characters, stray `%`, `&`, `=`.
"""

from urllib.parse import quote, unquote_to_bytes

from hypothesis import strategies as st

# Every character, lone surrogates included (they are sent as the bytes "surrogatepass" gives).
ANY_CHAR = st.characters(codec=None, exclude_categories=())
CONTROL_CHARS = st.one_of(
    st.characters(max_codepoint=0x1F),
    st.sampled_from(
        ["\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\u200b", "\U0010ffff"]
    ),
)
ODD_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "\t",
    "\ud800",
    "\udfff",
    "%",
    "%00",
    "%zz",
    "&",
    "=",
    "+",
    "#",
    "?",
    '"',
    "'",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"unclosed phrase',
    "-",
    "--",
    '-""',
    "*",
    "__all__",
    "null",
    "None",
    "undefined",
    "true",
    "[]",
    "{}",
    "0",
    "-0",
    "-1",
    "00000000000000000001",
    "1e309",
    "nan",
    "inf",
    "-inf",
    "0x10",
    "1_000",
    " 12 ",
    "１２",  # fullwidth digits: int() accepts them
    "٣",  # Arabic-Indic digit three
    "²",  # a digit int() refuses
    "9" * 40,
    "-" + "9" * 40,
    str(2**63),
    str(2**63 - 1),
    str(-(2**63) - 1),
    str(2**31),
    "Ｍｌ",
    "ǆ",  # title-case digraph: upper() and lower() change its length
    "ß",
    "İ",
    "ﬁ",
    "e\u0301",
    "\u202eevil",
    "😀",
    "../../etc/passwd",
    "/%2e%2e/",
    "javascript:alert(1)",
    "//evil.example/",
]
NUMBERS = st.one_of(
    st.integers().map(str),
    st.integers(min_value=2**31 - 2, max_value=10**40).map(str),
    st.integers(max_value=-1).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=30),
    st.text(CONTROL_CHARS, min_size=1, max_size=5),
    st.sampled_from(ODD_TEXT),
)
LONG_TEXT = st.builds(
    lambda char, n, tail: char * n + tail,
    st.sampled_from(["a", "ж", "😀", "9", "-", '"', " ", "\x00", "mali "]),
    st.sampled_from([99, 100, 101, 499, 500, 501, 2000, 20_000]),
    st.sampled_from(["", "x", "\x00", " "]),
)
# Raw bytes, percent-encoded as they are: invalid UTF-8 and overlong forms.
RAW_BYTES = st.one_of(
    st.binary(max_size=12),
    st.sampled_from(
        [b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xe2\x82", b"\xf4\x90\x80\x80", b"\x00"]
    ),
)
# Not percent-encoded at all: joined into the query string as they are.
RAW_FRAGMENTS = st.sampled_from(
    [
        "&",
        "&&",
        "=",
        "==",
        "%",
        "%z",
        "%%",
        "+",
        ";",
        "a;b=c",
        "?",
        "q",
        "q=",
        "=q",
        "%00=%00",
        "page",
        "ä=ö",
    ]
)


def encode(value):
    """Percent-encode a str (surrogates as their UTF-8 bytes) or bytes, leaving nothing unsafe."""
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogatepass")
    return quote(value, safe="")


def as_server_reads(value):
    """What Django decodes from `encode(value)`: invalid UTF-8 becomes U+FFFD."""
    return unquote_to_bytes(encode(value)).decode("utf-8", "replace")


# What most often breaks a view: NUL (PostgreSQL refuses it), invalid UTF-8, numbers past 64 bits.
HOSTILE = st.sampled_from(
    [
        "\x00",
        "a\x00b",
        "\x00" * 3,
        "\ud800",
        b"\xff",
        b"a\xc0\x80",
        str(2**64),
        str(-(2**64)),
        "1e3",
        "-1",
        "0",
    ]
    + ["x" * 1000, "\n", "\x1b[31m", "\u202e", "%00"]
)


def values_for(meaningful):
    """Values for one parameter: meaningful ones (valid and near-valid) and hostile ones."""
    choices = [HOSTILE, HOSTILE, TEXT, NUMBERS, LONG_TEXT, RAW_BYTES]
    if meaningful:
        # Meaningful values a third of the time
        choices[:0] = [st.sampled_from(list(meaningful))] * 3
    return st.one_of(*choices)


@st.composite
def query_strings(draw, parameters):
    """A QUERY_STRING (latin-1 str, as WSGI passes it) for `parameters`: {name: meaningful values}.

    Known names, random names, repeated names (up to 60 values, past the 50-value facet
    limit), hostile values and raw fragments, in any order.
    """
    known = sorted(parameters)
    # Unknown names only now and then: an API refuses them first, which would hide what the known
    # ones do.
    if not known:
        key = TEXT
    elif draw(st.integers(min_value=0, max_value=3)) == 0:
        key = st.one_of(st.sampled_from(known), TEXT)
    else:
        key = st.sampled_from(known)
    parts = []
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        name = draw(key)
        meaningful = parameters.get(name, ())
        repeat = draw(st.sampled_from([1, 1, 1, 1, 2, 3, 51, 60]))
        value = values_for(meaningful)
        if repeat > 3:
            fixed = draw(value)
            parts.extend(f"{encode(name)}={encode(fixed)}" for _ in range(repeat))
        else:
            parts.extend(f"{encode(name)}={encode(draw(value))}" for _ in range(repeat))
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            parts.append(draw(RAW_FRAGMENTS))
    if draw(st.integers(min_value=0, max_value=14)) == 0:
        parts.append(encode(draw(TEXT)))  # a bare name, no "="
    if draw(st.integers(min_value=0, max_value=19)) == 0:
        # Unencoded UTF-8 (a browser sends it percent-encoded; a careless client does not).
        raw = draw(st.text(ANY_CHAR, max_size=10)).encode("utf-8", "surrogatepass")
        parts.append(raw.decode("latin-1"))
    return "&".join(parts)


@st.composite
def form_bodies(draw, fields):
    """(urlencoded body as bytes, {field: last value as the server reads it}) for `fields`.

    Each field is missing, given once, or repeated; with wrong-typed and hostile values.
    """
    names = sorted(fields)
    pairs = []
    for name in names:
        count = draw(st.sampled_from([0, 1, 1, 1, 1, 2, 3]))
        for _ in range(count):
            pairs.append((name, draw(values_for(fields[name]))))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):  # unknown fields
        pairs.append((draw(TEXT), draw(values_for(()))))
    pairs = draw(st.permutations(pairs))
    seen = {}
    for name, value in pairs:
        seen[name] = as_server_reads(value)
    body = "&".join(f"{encode(name)}={encode(value)}" for name, value in pairs)
    if draw(st.integers(min_value=0, max_value=14)) == 0:
        body += "&" + draw(RAW_FRAGMENTS)
    return body.encode(), seen
