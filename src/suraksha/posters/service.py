"""Use cases for posters: one station's poster as a PDF, and a city's posters with their social-media texts
written to a folder (`suraksha posters`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from suraksha.core.i18n import LANGUAGES
from suraksha.posters.model import Poster, check_language, file_stem, poster_for, social_text
from suraksha.stations.model import StationRef
from suraksha.stations.service import StationService

Renderer = Callable[[Poster], bytes]
CACHED = 512  # rendered PDFs kept (~35 KB each; Mumbai is 91 stations x 3 languages): they change with their station


@dataclass(frozen=True)
class Written:
    station: StationRef
    lang: str
    pdf: Path
    text: Path


class PosterService:
    def __init__(self, stations: StationService, public_url: str, renderer: Renderer | None = None) -> None:
        self._stations, self._public_url, self._renderer = stations, public_url, renderer
        self._cache: OrderedDict[tuple[StationRef, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def station(self, station_id: int) -> StationRef:
        return self._stations.get(station_id)

    def poster(self, station_id: int, lang: str) -> Poster:
        return poster_for(self._stations.get(station_id), check_language(lang), self._public_url)

    def pdf(self, station_id: int, lang: str) -> bytes:
        """The station's A4 poster in `lang`; rendered once per language and state of the station (a new
        number or name makes a new one)."""
        key = (self._stations.get(station_id), check_language(lang))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        rendered = self._render(poster_for(*key, self._public_url))
        with self._lock:
            self._cache[key] = rendered
            while len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return rendered

    def _render(self, poster: Poster) -> bytes:
        if self._renderer is None:  # fpdf2 takes a while to import: not on the server's way up
            from suraksha.posters.pdf import render_pdf

            self._renderer = render_pdf
        return self._renderer(poster)

    def social_text(self, station_id: int, lang: str) -> str:
        return social_text(self.poster(station_id, lang))

    def stations_for(self, city: str, station_id: int | None = None) -> list[StationRef]:
        """One station (checked to be in the city) or all the city's stations, by name."""
        if station_id is not None:
            return [s for s in [self._stations.get(station_id)] if s.city == city]
        return sorted(self._stations.all(city), key=lambda s: s.name)

    def write(self, stations: Iterable[StationRef], langs: Sequence[str], output: Path) -> list[Written]:
        """For each station, a folder with its poster (`poster-<lang>.pdf`) and social-media text
        (`social-<lang>.txt`) in each language."""
        written = []
        for station in stations:
            folder = output / file_stem(station)
            folder.mkdir(parents=True, exist_ok=True)
            for lang in langs or LANGUAGES:
                pdf, text = folder / f"poster-{lang}.pdf", folder / f"social-{lang}.txt"
                pdf.write_bytes(self.pdf(station.id, lang))
                text.write_text(self.social_text(station.id, lang) + "\n", encoding="utf-8")
                written.append(Written(station, lang, pdf, text))
        return written
