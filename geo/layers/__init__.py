"""Read the user's own layers — any common format, any encoding, offset or broken — into EPSG:4490.

Users bring a park inventory, a planned rail line, company sites, their own digitised Science City
footprint: as GeoJSON, GeoPackage, Shapefile (folder, ``.shp`` or ``.zip``), GeoParquet, KML or CSV,
often with Chinese attributes in GBK and often in the shifted coordinates of Chinese web maps.
:func:`read_layer` turns any of them into one GeoDataFrame in EPSG:4490 (CGCS2000, which matches
WGS-84 to centimetres, like the bundled boundaries) with a ``kind`` column (``point``, ``line`` or
``polygon``), and a :class:`ReadReport` saying what it did: how many features it read, repaired and
dropped, which CRS the file declared and which one was used, which text encoding, and hints.

Anything it cannot read raises :class:`~geo.errors.AtlasError` naming the file, in one line, and
nothing is returned: no partial results. Messages name the parameters (``crs=``, ``layer_name=``);
a caller with other names for them words the message with :meth:`~geo.errors.AtlasError.worded`.

What happens to the geometries, in order (all vectorised with shapely 2, no Python loop over
features):

1. null and empty geometries are dropped (counted);
2. a coordinate that is NaN or Infinity is an error;
3. Z (and M) values are dropped (counted);
4. the CRS is settled (:mod:`geo.layers.crs`) and the coordinates converted to EPSG:4490;
5. GeometryCollections are exploded into one row per kind of part (the points of a collection
   become one MultiPoint row, its lines one row, its polygons one row; attributes repeated);
6. invalid polygons are repaired with ``shapely.make_valid(method="structure",
   keep_collapsed=False)``, which keeps only the polygonal part of a repair; a polygon whose repair
   has no area left (it collapses to a line or a point) is dropped (counted). Lines and points are
   not repaired.

The modules, one job each: :mod:`~geo.layers.stages` (:func:`read_layer` and its public stages,
:func:`open_raw` and :func:`finish`), :mod:`~geo.layers.sniff` (formats, first bytes),
:mod:`~geo.layers.ogr` (GeoJSON, GeoPackage, KML), :mod:`~geo.layers.geojson_crs`,
:mod:`~geo.layers.shapefile` (and encodings), :mod:`~geo.layers.parquet`, :mod:`~geo.layers.tables`
(CSV and coordinate columns), :mod:`~geo.layers.fastpoints` (WKB point fast paths),
:mod:`~geo.layers.nesting` (collections nested too deep), :mod:`~geo.layers.clean` (steps 1-3, 5,
6), :mod:`~geo.layers.crs` (step 4 and the GCJ-02 hint), :mod:`~geo.layers.report` (the report and
its wording), :mod:`~geo.layers.failures` (what the libraries raise), :mod:`~geo.layers.raw`.
"""

import os

import pyogrio

from chengyu.geo.layers.crs import Settled, crs_label, settle_crs, to_output_crs
from chengyu.geo.layers.failures import PYOGRIO_ERRORS, library_message
from chengyu.geo.layers.nesting import check_parquet_nesting
from chengyu.geo.layers.raw import Raw
from chengyu.geo.layers.report import KINDS, OUTPUT_CRS, Layer, ReadReport, one_layer_hint
from chengyu.geo.layers.sniff import SUPPORTED_SUFFIXES
from chengyu.geo.layers.stages import Progress, check_whole_layer, finish, open_raw, read_layer
from chengyu.geo.nonetwork import forbid_network

__all__ = [
    "KINDS", "OUTPUT_CRS", "PYOGRIO_ERRORS", "SUPPORTED_SUFFIXES", "Layer", "Progress", "Raw", "ReadReport",
    "Settled", "check_parquet_nesting", "check_whole_layer", "crs_label", "finish", "library_message",
    "one_layer_hint", "open_raw", "read_layer", "settle_crs", "to_output_crs",
]

forbid_network()  # no file read here may make GDAL or PROJ talk to the network
# GDAL's default error handler prints "ERROR n: …" on stderr where pyogrio has not put its own
# (reading Arrow batches): our one line says what went wrong, so those go nowhere.
pyogrio.set_gdal_config_options({"CPL_LOG": os.devnull})
