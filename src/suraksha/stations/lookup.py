"""In-memory jurisdiction lookup: shapely 2 STRtrees in local metres, one per city, with a cell cache.

A point resolves to one station: inside a polygon; in an overlap, the smallest polygon (then the lowest id);
in a gap, the nearest polygon within `gap_distance_m`; otherwise none. Each city is projected to metres
around its own centre (equirectangular; the scale error across a city is well under 1%), so distances
are metres. For bulk lookups a grid of cells is classified once: a cell wholly inside one polygon and
touching no other answers directly; a cell farther than the gap distance from every polygon answers
"none"; only the remaining boundary cells go to the exact STRtree queries.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree

from suraksha.stations.model import Match

MATCH_CODES = {0: Match.NONE, 1: Match.NEAREST, 2: Match.OVERLAP, 3: Match.INSIDE}
EXACT, NOWHERE = -2, -1
REFINE = 4  # fine cells per coarse cell side


@dataclass(frozen=True)
class Shape:
    station_id: int
    city: str
    geometry: shapely.Geometry  # WGS 84 lon/lat polygon or multipolygon


class _Projection:
    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.mx = 111_320.0 * math.cos(math.radians(lat0))
        self.my = 110_574.0

    def xy(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (lons - self.lon0) * self.mx, (lats - self.lat0) * self.my

    def geometry(self, geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geom, lambda c: np.column_stack(self.xy(c[:, 0], c[:, 1])))


class _CityIndex:
    """One city's polygons in metres, its STRtree and (lazily) its cell grid."""

    def __init__(self, shapes: list[Shape], gap_m: float, cell_m: float) -> None:
        minx, miny, maxx, maxy = shapely.total_bounds([s.geometry for s in shapes])
        self.proj = _Projection((minx + maxx) / 2, (miny + maxy) / 2)
        self.geoms = np.array([self.proj.geometry(s.geometry) for s in shapes])
        ids = np.array([s.station_id for s in shapes], dtype=np.int64)
        self.station_ids = ids
        areas = shapely.area(self.geoms)
        self.rank = np.empty(len(shapes), dtype=np.int64)
        self.rank[np.lexsort((ids, areas))] = np.arange(len(shapes))
        self.areas = areas
        self.tree = STRtree(self.geoms)
        self.gap_m, self.cell_m = gap_m, cell_m
        x0, y0, x1, y1 = shapely.total_bounds(self.geoms)
        self.bounds = (x0 - gap_m, y0 - gap_m, x1 + gap_m, y1 + gap_m)
        self._grid: np.ndarray | None = None

    # exact path -------------------------------------------------------------------------------------
    def exact(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(local polygon or -1, match code, distance in metres) for each point."""
        n = len(x)
        poly = np.full(n, -1, dtype=np.int64)
        code = np.zeros(n, dtype=np.int8)
        dist = np.full(n, np.inf)
        pts = shapely.points(x, y)
        p_idx, g_idx = self.tree.query(pts, predicate="intersects")
        if len(p_idx):
            order = np.lexsort((self.rank[g_idx], p_idx))
            p_sorted, g_sorted = p_idx[order], g_idx[order]
            first_p, first_at, counts = np.unique(p_sorted, return_index=True, return_counts=True)
            poly[first_p] = g_sorted[first_at]
            code[first_p] = np.where(counts > 1, 2, 3)
            dist[first_p] = 0.0
        miss = np.flatnonzero(code == 0)
        if len(miss):
            self._nearest(pts, miss, poly, code, dist)
        return poly, code, dist

    def _nearest(self, pts, miss, poly, code, dist) -> None:
        (q_idx, g_idx), d = self.tree.query_nearest(
            pts[miss], max_distance=self.gap_m, return_distance=True, all_matches=True
        )
        if not len(q_idx):
            return
        order = np.lexsort((self.rank[g_idx], d, q_idx))
        q_sorted = q_idx[order]
        first_q, first_at = np.unique(q_sorted, return_index=True)
        chosen = order[first_at]
        targets = miss[first_q]
        poly[targets] = g_idx[chosen]
        code[targets] = 1
        dist[targets] = d[chosen]

    # grid path --------------------------------------------------------------------------------------
    def grid(self) -> np.ndarray:
        if self._grid is None:
            self._grid = self._build_grid()
        return self._grid

    def _build_grid(self) -> np.ndarray:
        """Cell codes: polygon p (inside, 0..P-1), P+p (nearest p, whole cell in the gap), NOWHERE, EXACT.
        Classified coarse first (cells of REFINE x REFINE fine cells), then only unsure coarse cells finely."""
        x0, y0, x1, y1 = self.bounds
        coarse_m = self.cell_m * REFINE
        cnx = max(1, int(math.ceil((x1 - x0) / coarse_m)))
        cny = max(1, int(math.ceil((y1 - y0) / coarse_m)))
        ix, iy = np.meshgrid(np.arange(cnx), np.arange(cny))
        coarse = self._classify(x0 + ix.ravel() * coarse_m, y0 + iy.ravel() * coarse_m, coarse_m)
        fine = np.kron(coarse.reshape(cny, cnx), np.ones((REFINE, REFINE), dtype=np.int64))
        unsure_y, unsure_x = np.nonzero(coarse.reshape(cny, cnx) == EXACT)
        sub_y, sub_x = np.meshgrid(np.arange(REFINE), np.arange(REFINE), indexing="ij")
        fy = (unsure_y[:, None] * REFINE + sub_y.ravel()[None, :]).ravel()
        fx = (unsure_x[:, None] * REFINE + sub_x.ravel()[None, :]).ravel()
        fine[fy, fx] = self._classify(x0 + fx * self.cell_m, y0 + fy * self.cell_m, self.cell_m)
        return fine

    def _classify(self, cx0: np.ndarray, cy0: np.ndarray, size: float) -> np.ndarray:
        boxes = shapely.box(cx0, cy0, cx0 + size, cy0 + size)
        codes = np.full(len(boxes), EXACT, dtype=np.int64)
        b_idx, g_idx = self.tree.query(boxes, predicate="intersects")
        counts = np.bincount(b_idx, minlength=len(boxes))
        single = counts[b_idx] == 1
        sb, sg = b_idx[single], g_idx[single]
        wholly = shapely.contains_properly(self.geoms[sg], boxes[sb])
        codes[sb[wholly]] = sg[wholly]
        empty = np.flatnonzero(counts == 0)
        self._classify_gap_cells(codes, empty, cx0 + size / 2, cy0 + size / 2, boxes, size)
        return codes

    def _classify_gap_cells(self, grid, empty, centre_x, centre_y, boxes, size: float) -> None:
        """Cells touching no polygon. Distance to a polygon is 1-Lipschitz, so from the distances d1 <= d2 of
        the two nearest polygons to the cell's centre: beyond the gap everywhere when d1 - h > gap; the
        nearest is surely polygon 1 everywhere when d1 + h <= gap and d2 - d1 > 2h (h = half the diagonal)."""
        h = size * math.sqrt(2) / 2
        near_b, near_g = self.tree.query(boxes[empty], predicate="dwithin", distance=self.gap_m + 2 * h)
        has_cand = np.zeros(len(empty), dtype=bool)
        has_cand[near_b] = True
        grid[empty[~has_cand]] = NOWHERE
        if not len(near_b):
            return
        cells = empty[near_b]
        d = shapely.distance(self.geoms[near_g], shapely.points(centre_x[cells], centre_y[cells]))
        order = np.lexsort((self.rank[near_g], d, near_b))
        nb, ng, d = near_b[order], near_g[order], d[order]
        first_b, first_at, counts = np.unique(nb, return_index=True, return_counts=True)
        d1 = d[first_at]
        d2 = np.where(counts > 1, d[np.minimum(first_at + 1, len(d) - 1)], np.inf)
        target = empty[first_b]
        sure = (d1 + h <= self.gap_m) & (d2 - d1 > 2 * h)
        grid[target[sure]] = len(self.geoms) + ng[first_at][sure]
        grid[target[d1 - h > self.gap_m]] = NOWHERE

    def one(self, x: float, y: float) -> tuple[int, int, float]:
        """A single point: the cell cache answers when it can (inside, or nowhere near), else exact."""
        grid = self._grid
        if grid is not None:
            ny, nx = grid.shape
            ix, iy = int((x - self.bounds[0]) // self.cell_m), int((y - self.bounds[1]) // self.cell_m)
            if 0 <= ix < nx and 0 <= iy < ny:
                cell = int(grid[iy, ix])
                if 0 <= cell < len(self.geoms):
                    return cell, 3, 0.0
                if cell == NOWHERE:
                    return -1, 0, float("inf")
        return self._exact_one(shapely.Point(x, y))

    def _exact_one(self, point: shapely.Geometry) -> tuple[int, int, float]:
        """`exact` for one point, without building arrays: the same choices (smallest polygon, then nearest)."""
        hits = self.tree.query(point, predicate="intersects")
        if len(hits):
            best = int(hits[np.argmin(self.rank[hits])])
            return best, 2 if len(hits) > 1 else 3, 0.0
        near, d = self.tree.query_nearest(point, max_distance=self.gap_m, return_distance=True, all_matches=True)
        if not len(near):
            return -1, 0, float("inf")
        best_at = int(np.lexsort((self.rank[near], d))[0])
        return int(near[best_at]), 1, float(d[best_at])

    def bulk(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        grid = self.grid()
        ny, nx = grid.shape
        ix = ((x - self.bounds[0]) // self.cell_m).astype(np.int64)
        iy = ((y - self.bounds[1]) // self.cell_m).astype(np.int64)
        cell = grid[np.clip(iy, 0, ny - 1), np.clip(ix, 0, nx - 1)]
        n_poly = len(self.geoms)
        inside, nearest = (cell >= 0) & (cell < n_poly), cell >= n_poly
        poly = np.where(inside, cell, np.where(nearest, cell - n_poly, -1))
        code = np.where(inside, 3, np.where(nearest, 1, 0)).astype(np.int8)
        dist = np.where(inside | nearest, 0.0, np.inf)
        todo = np.flatnonzero(cell == EXACT)
        if len(todo):
            poly[todo], code[todo], dist[todo] = self.exact(x[todo], y[todo])
        return poly, code, dist


class JurisdictionIndex:
    """Resolve points to station rows. Rebuilt whole when stations change (it is small: 100s of polygons)."""

    def __init__(self, shapes: list[Shape], gap_distance_m: float = 2000.0, cell_m: float = 40.0) -> None:
        self.station_ids = np.array([s.station_id for s in shapes], dtype=np.int64)
        self.gap_m = gap_distance_m
        by_city: dict[str, list[Shape]] = {}
        for s in shapes:
            by_city.setdefault(s.city, []).append(s)
        self._cities = [_cached_city(group, gap_distance_m, cell_m) for group in by_city.values()]

    def __len__(self) -> int:
        return len(self.station_ids)

    def warm(self, stop: Callable[[], bool] = lambda: False) -> None:
        """Build every city's cell cache now (otherwise the first bulk lookup does), until `stop()` says so."""
        for city in self._cities:
            if stop():
                return
            city.grid()

    def resolve(self, lon: float, lat: float) -> tuple[int | None, Match, float]:
        """One point: (station id or None, how it matched, distance in metres)."""
        best: tuple[int, int, float] = (-1, 0, float("inf"))
        inside_cities = 0
        for city in self._cities:
            x, y = city.proj.xy(lon, lat)
            bx0, by0, bx1, by1 = city.bounds
            if not (bx0 <= x <= bx1 and by0 <= y <= by1):
                continue
            poly, code, dist = city.one(x, y)
            if poly < 0:
                continue
            inside_cities += code >= 2
            if code > best[1] or (code == best[1] and dist < best[2]):
                best = (int(city.station_ids[poly]), code, dist)
        sid, code, dist = best
        code = 2 if inside_cities > 1 else code
        return (sid if sid >= 0 else None), MATCH_CODES[code], (dist if sid >= 0 else 0.0)

    def resolve_many(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Many points: (station ids, -1 for none; match codes 0 none, 1 nearest, 2 overlap, 3 inside)."""
        ids, codes, _ = self._run(np.asarray(lons, float), np.asarray(lats, float))
        return ids, codes

    def _run(self, lons: np.ndarray, lats: np.ndarray):
        n = len(lons)
        best_ids = np.full(n, -1, dtype=np.int64)
        best_code = np.zeros(n, dtype=np.int8)
        best_dist = np.full(n, np.inf)
        for city in self._cities:
            x, y = city.proj.xy(lons, lats)
            bx0, by0, bx1, by1 = city.bounds
            sel = np.flatnonzero((x >= bx0) & (x <= bx1) & (y >= by0) & (y <= by1))
            if not len(sel):
                continue
            poly, code, dist = city.bulk(x[sel], y[sel])
            self._merge(sel, city, poly, code, dist, best_ids, best_code, best_dist)
        return best_ids, best_code, best_dist

    def _merge(self, sel, city, poly, code, dist, best_ids, best_code, best_dist) -> None:
        found = poly >= 0
        sel, poly, code, dist = sel[found], poly[found], code[found], dist[found]
        both_inside = (best_code[sel] >= 2) & (code >= 2)  # inside polygons of two cities: an overlap
        better = (code > best_code[sel]) | ((code == best_code[sel]) & (dist < best_dist[sel]))
        take = sel[better]
        best_ids[take] = city.station_ids[poly[better]]
        best_code[take] = code[better]
        best_dist[take] = dist[better]
        best_code[sel[both_inside]] = 2


_CACHE: dict[str, _CityIndex] = {}
_CACHE_MAX = 32


def _cached_city(shapes: list[Shape], gap_m: float, cell_m: float) -> _CityIndex:
    """City indexes (with their cell caches) are reused while the city's polygons are unchanged."""
    digest = hashlib.sha1(f"{gap_m}:{cell_m}".encode())
    digest.update(np.array([s.station_id for s in shapes], dtype=np.int64).tobytes())
    for wkb in shapely.to_wkb([s.geometry for s in shapes]):
        digest.update(wkb)
    key = digest.hexdigest()
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _CityIndex(shapes, gap_m, cell_m)
    return _CACHE[key]
