"""Which media types the OpenWhisk controller carries as text and which as base64.

The controller (Apache OpenWhisk on pekko-http 1.1.0) decides per media type, for both
request bodies (``__ow_body``) and returned string bodies, using pekko-http's registry
of predefined media types (``MediaTypes``): each registered type is either binary or
not. A type that is not registered counts as text only when the Content-Type carries a
``charset`` parameter, and any ``multipart/*`` is binary. The two sets below are that
registry, entry by entry (main type, then its subtypes, lower-cased as pekko looks them
up), so lw makes the same call as the controller instead of guessing from a prefix.
Data only, built once at import.
"""

from __future__ import annotations

__all__ = ["is_binary", "is_media_type", "is_registered_text", "split_content_type"]


def _registry(*pairs: str) -> frozenset[str]:
    """``("text", "plain html")`` -> ``{"text/plain", "text/html"}``."""
    mains, subtypes = pairs[0::2], pairs[1::2]
    return frozenset(f"{main}/{sub}" for main, subs in zip(mains, subtypes) for sub in subs.split())


# Registered non-binary types (pekko's "with open charset" and "with fixed charset").
_TEXT_SUBTYPES = _registry(
    "application",
    """
    atom+xml base64 javascript json json-patch+json merge-patch+json problem+json
    problem+xml rss+xml soap+xml vnd.api+json vnd.google-earth.kml+xml x-latex x-vrml
    x-www-form-urlencoded xhtml+xml xml xml-dtd
    """,
    "text",
    """
    asp cache-manifest calendar css csv event-stream html markdown mcf plain richtext
    tab-separated-values uri-list vnd.wap.wml vnd.wap.wmlscript x-asm x-c x-component
    x-h x-java-source x-pascal x-script x-scriptcsh x-scriptelisp x-scriptksh
    x-scriptlisp x-scriptperl x-scriptperl-module x-scriptphyton x-scriptrexx
    x-scriptscheme x-scriptsh x-scripttcl x-scripttcsh x-scriptzsh x-server-parsed-html
    x-setext x-sgml x-speech x-uuencode x-vcalendar x-vcard xml
    """,
)

# Registered binary types (application, audio, font, image, message and video).
_BINARY_SUBTYPES = _registry(
    "application",
    """
    cbor excel font-woff gnutar grpc+proto java-archive lha lzx mspowerpoint msword
    octet-stream pdf postscript vnd.google-earth.kmz vnd.ms-excel
    vnd.ms-excel.addin.macroenabled.12 vnd.ms-excel.sheet.binary.macroenabled.12
    vnd.ms-excel.sheet.macroenabled.12 vnd.ms-excel.template.macroenabled.12
    vnd.ms-fontobject vnd.ms-powerpoint vnd.ms-powerpoint.addin.macroenabled.12
    vnd.ms-powerpoint.presentation.macroenabled.12
    vnd.ms-powerpoint.slideshow.macroenabled.12 vnd.ms-word.document.macroenabled.12
    vnd.ms-word.template.macroenabled.12 vnd.oasis.opendocument.chart
    vnd.oasis.opendocument.database vnd.oasis.opendocument.formula
    vnd.oasis.opendocument.graphics vnd.oasis.opendocument.image
    vnd.oasis.opendocument.presentation vnd.oasis.opendocument.spreadsheet
    vnd.oasis.opendocument.text vnd.oasis.opendocument.text-master
    vnd.oasis.opendocument.text-web
    vnd.openxmlformats-officedocument.presentationml.presentation
    vnd.openxmlformats-officedocument.presentationml.slide
    vnd.openxmlformats-officedocument.presentationml.slideshow
    vnd.openxmlformats-officedocument.presentationml.template
    vnd.openxmlformats-officedocument.spreadsheetml.sheet
    vnd.openxmlformats-officedocument.spreadsheetml.template
    vnd.openxmlformats-officedocument.wordprocessingml.document
    vnd.openxmlformats-officedocument.wordprocessingml.template x-7z-compressed
    x-ace-compressed x-apple-diskimage x-arc-compressed x-bzip x-bzip2
    x-chrome-extension x-compress x-compressed x-debian-package x-dvi x-font-opentype
    x-font-truetype x-gtar x-gzip x-rar-compressed x-redhat-package-manager
    x-shockwave-flash x-tar x-tex x-texinfo x-x509-ca-cert x-xpinstall zip
    """,
    "audio",
    """
    aiff basic midi mod mpeg ogg voc vorbis voxware wav webm x-pn-realaudio x-psid xm
    """,
    "font",
    """
    woff woff2
    """,
    "image",
    """
    gif jpeg pict png svg+xml tiff webp x-icon x-ms-bmp x-pcx x-pict x-quicktime x-rgb
    x-xbitmap x-xpixmap
    """,
    "message",
    """
    delivery-status http rfc822
    """,
    "video",
    """
    avs-video divx gl mp4 mpeg ogg quicktime webm x-dv x-flv x-motion-jpeg x-ms-asf
    x-msvideo x-sgi-movie
    """,
)


def split_content_type(content_type: str) -> tuple[str, dict[str, str]]:
    """``"Text/HTML; Charset=UTF-8"`` -> ``("text/html", {"charset": "UTF-8"})``."""
    mime, _, rest = content_type.partition(";")
    params: dict[str, str] = {}
    for param in rest.split(";"):
        key, eq, value = param.partition("=")
        if eq and key.strip():
            params[key.strip().lower()] = value.strip().strip('"')
    return mime.strip().lower(), params


_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz")


def is_media_type(content_type: str) -> bool:
    """Whether ``type/subtype`` parses (HTTP token characters on both sides of one slash)."""
    mime = split_content_type(content_type)[0]
    main, slash, sub = mime.partition("/")
    return bool(slash and main and sub) and _TOKEN_CHARS.issuperset(main) and _TOKEN_CHARS.issuperset(sub)


def is_registered_text(mime: str) -> bool:
    """Whether pekko registers ``mime`` (``type/subtype``, lower case) as non-binary."""
    return mime in _TEXT_SUBTYPES


def is_binary(content_type: str) -> bool:
    """Whether the controller treats a body of this Content-Type as binary (base64).

    No Content-Type at all means ``application/octet-stream``: binary.
    """
    mime, params = split_content_type(content_type)
    if not mime:
        return True
    if mime in _TEXT_SUBTYPES:
        return False
    if mime in _BINARY_SUBTYPES or mime.startswith("multipart/"):
        return True
    return "charset" not in params
