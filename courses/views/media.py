"""Serving a stored file with HTTP byte ranges, so that the browser's video player can seek.

Django's ``FileResponse`` always sends the whole file; a ``<video>`` element asks for ranges
(``Range: bytes=start-end``) and needs ``206 Partial Content`` answers to seek in a file it
has not downloaded. The file is read through the storage API, so it works the same on the
file system and on an S3-compatible bucket.
"""

from __future__ import annotations

import mimetypes
import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 256 * 1024


def _read(handle, start: int, length: int):
    handle.seek(start)
    left = length
    try:
        while left > 0:
            data = handle.read(min(_CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data
    finally:
        handle.close()


def ranged_file_response(request, field_file) -> HttpResponse:
    """The file of ``field_file``, whole (200) or the one byte range asked for (206)."""
    name = field_file.name or ""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    size = field_file.size
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if not match or not (match.group(1) or match.group(2)):
        response = FileResponse(field_file.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.group(1), match.group(2)
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    if start >= size or end < start:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    length = end - start + 1
    response = StreamingHttpResponse(_read(field_file.open("rb"), start, length), status=206,
                                     content_type=content_type)
    response["Content-Length"] = str(length)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response
