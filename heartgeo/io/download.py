"""HTTP downloads with bounded time: retries with ``Retry-After``, a total deadline, and
paged ArcGIS REST queries checked for repeated pages (used by :mod:`heartgeo.io.fetch`).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import time
from dataclasses import dataclass, field

import requests

from heartgeo.errors import InputError, shown
from heartgeo.progress import QUIET, Progress

PAGE_SIZE = 1000
#: Answers that are worth asking again (rate limit, gateway trouble).
RETRY_STATUS = frozenset({429, 502, 503, 504})


@dataclass
class Limits:
    """How long a fetch may take.

    Attributes
    ----------
    timeout_s
        Seconds to wait for one answer.
    max_retries
        Retries of one request after a timeout, a dropped connection or HTTP 429/5xx.
    max_total_s
        Seconds the whole fetch may take.
    max_wait_s
        Longest pause before a retry, also when a server's ``Retry-After`` asks for more.
    max_pages
        Most pages read from one ArcGIS layer.
    max_bytes
        Largest answer, counted as it arrives and after decompression (a small gzip may
        inflate to gigabytes).
    """

    timeout_s: float = 180.0
    max_retries: int = 3
    max_total_s: float = 1800.0
    max_wait_s: float = 120.0
    max_pages: int = 1000
    max_bytes: int = 1 << 30


@dataclass
class Downloader:
    """HTTP requests under :class:`Limits`, reporting each retry on ``progress``."""

    limits: Limits = field(default_factory=Limits)
    progress: Progress = QUIET
    started: float = field(default_factory=time.monotonic)

    def _left(self) -> float:
        return self.limits.max_total_s - (time.monotonic() - self.started)

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        """The answer to one request, retried within the limits.

        Raises
        ------
        InputError
            A final HTTP error, or the retries or the total time used up.
        """
        last = ""
        for attempt in range(self.limits.max_retries + 1):
            left = self._left()
            if left <= 0:
                raise InputError(
                    f"download of {url} stopped: the fetch took its {self.limits.max_total_s:g} s "
                    f"(--max-time){f'; last problem: {last}' if last else ''}; nothing was saved"
                )
            wait = None
            try:
                response = requests.request(
                    method, url, timeout=min(self.limits.timeout_s, left), stream=True, **kwargs
                )
            except requests.Timeout:
                last = f"no answer within {min(self.limits.timeout_s, left):g} s"
            except requests.RequestException as exc:
                last = f"connection failed ({type(exc).__name__})"
            else:
                if response.ok:
                    return self._read(response, url)
                if response.status_code not in RETRY_STATUS:
                    raise InputError(
                        f"download of {url} failed: HTTP {response.status_code} "
                        f"{shown(response.reason or '')}; check the URL (heartgeo fetch "
                        "--source-url / --overpass-url) or try again later; nothing was saved"
                    )
                last = f"HTTP {response.status_code}"
                wait = _retry_after(response.headers.get("Retry-After"))
            if attempt == self.limits.max_retries:
                break
            pause = min(
                wait if wait is not None else 2.0**attempt,
                self.limits.max_wait_s,
                max(self._left(), 0.0),
            )
            self.progress.info(
                f"  retry {attempt + 1}/{self.limits.max_retries} of {url} in {pause:.0f} s ({last})"
            )
            time.sleep(pause)
        raise InputError(
            f"download of {url} failed after {self.limits.max_retries} retries ({last}): "
            "try again later, or raise --max-retries / --timeout; nothing was saved"
        )

    def _read(self, response: requests.Response, url: str) -> requests.Response:
        """Read the answer's body as it arrives, within the total time and
        :attr:`Limits.max_bytes` (checked on the decompressed bytes, chunk by chunk).

        Raises
        ------
        InputError
            The time used up inside the download (a server that drips), or an answer
            larger than the limit (before or while decompressing).
        """
        cap = self.limits.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            response.close()
            raise self._too_large(url, int(declared))
        chunks, size = [], 0
        try:
            while True:
                chunk = response.raw.read1(1 << 16, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    raise self._too_large(url, size)
                if self._left() <= 0:
                    raise InputError(
                        f"download of {url} stopped after {size:,} bytes: the fetch took its "
                        f"{self.limits.max_total_s:g} s (--max-time) inside one answer (the "
                        "server sends slowly); nothing was saved"
                    )
                chunks.append(chunk)
        finally:
            response.close()
        response._content = b"".join(chunks)
        return response

    def _too_large(self, url: str, size: int) -> InputError:
        return InputError(
            f"download of {url} is over {self.limits.max_bytes / 2**20:,.0f} MB ({size:,} bytes "
            "read or declared, after decompression): check the URL, or raise --max-download-mb; "
            "nothing was saved"
        )

    def json(self, method: str, url: str, **kwargs) -> dict:
        """The answer as a JSON object (an ``error`` member is an error)."""
        response = self.request(method, url, **kwargs)
        try:
            data = response.json()
        except RecursionError:
            raise InputError(
                f"download of {url} returned JSON nested too deeply to be an answer: check "
                "the URL; nothing was saved"
            ) from None
        except ValueError:
            start = response.content[:60].decode("utf-8", "replace")
            raise InputError(
                f"download of {url} did not return complete JSON (it starts {shown(start)}): "
                "the answer may have been cut off; check the URL or try again; nothing was saved"
            ) from None
        if not isinstance(data, dict):
            raise InputError(
                f"download of {url} returned JSON that is not an object: check the URL"
            )
        if "error" in data:
            raise InputError(
                f"download of {url} failed: server said {shown(data['error'])}; check the URL"
            )
        return data


def _retry_after(value: str | None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def download_arcgis(url: str, downloader: Downloader | None = None) -> dict:
    """All features of an ArcGIS REST layer ``query`` endpoint as GeoJSON (paged).

    Raises
    ------
    InputError
        A page that repeats an earlier one (the server ignores ``resultOffset``), more
        than ``max_pages`` pages, or any download error.
    """
    downloader = downloader or Downloader()
    features: list = []
    seen: set[str] = set()
    offset = 0
    for page_no in range(downloader.limits.max_pages):
        params = {
            "where": "1=1",
            "outFields": "*",
            "f": "geojson",
            "outSR": "4326",
            "resultOffset": offset,
            "resultRecordCount": PAGE_SIZE,
        }
        page = downloader.json("GET", url, params=params)
        batch = page.get("features", [])
        digest = hashlib.sha256(json.dumps(batch, sort_keys=True).encode()).hexdigest()
        if batch and digest in seen:
            raise InputError(
                f"download of {url}: page {page_no + 1} (offset {offset}) repeats an earlier "
                "page: the server ignores resultOffset, so the layer cannot be read completely; "
                "nothing was saved"
            )
        seen.add(digest)
        features.extend(batch)
        more = page.get("exceededTransferLimit") or page.get("properties", {}).get(
            "exceededTransferLimit"
        )
        if not more or not batch:
            return {"type": "FeatureCollection", "features": features}
        offset += len(batch)
    raise InputError(
        f"download of {url}: more than {downloader.limits.max_pages} pages; nothing was saved"
    )
