# GDAL 3.6 (Debian 12's python3-gdal, run by Debian's /usr/bin/python3) on /vsis3/ against a
# gateway, as geospatial users point it at an S3-compatible store. Run by test/clients/gdal.test.ts:
# `python3 gdal_flow.py params.json`. GDAL takes the endpoint and keys from its configuration
# options, set by the test in the environment (AWS_S3_ENDPOINT, AWS_HTTPS=NO,
# AWS_VIRTUAL_HOSTING=FALSE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, VSIS3_CHUNK_SIZE=5 ...).
# Prints one JSON line per step: {"step": name, "ok": true, facts...} or
# {"step": name, "ok": false, "error": ..., "trace": ...}; the test asserts the facts. A failed step
# does not stop the later ones.
import json
import sys
import time

import numpy
from osgeo import gdal, ogr, osr
from flowlib import MiB, pattern, step

gdal.UseExceptions()
ogr.UseExceptions()

params = json.load(open(sys.argv[1]))
B = params['bucket']
S3 = '/vsis3/' + B


def put(path, data):
    f = gdal.VSIFOpenL(path, 'wb')
    if f is None:
        raise RuntimeError('cannot create %s: %s' % (path, gdal.GetLastErrorMsg()))
    try:
        if gdal.VSIFWriteL(data, 1, len(data), f) != len(data):
            raise RuntimeError('short write to ' + path)
    finally:
        if gdal.VSIFCloseL(f) != 0:
            raise RuntimeError('close of %s failed' % path)


def get(path):
    f = gdal.VSIFOpenL(path, 'rb')
    if f is None:
        raise RuntimeError('cannot open %s: %s' % (path, gdal.GetLastErrorMsg()))
    try:
        gdal.VSIFSeekL(f, 0, 2)
        size = gdal.VSIFTellL(f)
        gdal.VSIFSeekL(f, 0, 0)
        return gdal.VSIFReadL(1, size, f) if size else b''
    finally:
        gdal.VSIFCloseL(f)


def failure(fn):
    """The GDAL error a call raised (message, CPLE number), or None."""
    gdal.ErrorReset()
    try:
        fn()
    except RuntimeError as e:
        return {'message': str(e)[:300], 'errno': gdal.GetLastErrorNo()}
    return None


@step('versions; Mkdir of a bucket (PUT /bucket/: CreateBucket in path style)')
def _():
    return {'gdal': gdal.__version__, 'cog_driver': gdal.GetDriverByName('COG') is not None,
            'mkdir': gdal.Mkdir(S3, 0o755), 'is_dir': bool(gdal.VSIStatL(S3)) and gdal.VSIStatL(S3).IsDirectory()}


@step('ReadDir of /vsis3/ (ListBuckets)')
def _():
    # GDAL 3.6 signs the canonical URI '//' for ListBuckets in path style while it sends 'GET /':
    # SignatureDoesNotMatch, on S3 as here (see gdal.test.ts). Reported as seen.
    return {'buckets': gdal.ReadDir('/vsis3/')}


# A 3-band 2048 x 2048 Byte raster (12 MiB of pixels) of seeded noise, so that nothing compresses
# it away; with VSIS3_CHUNK_SIZE=5 the COG (pixels + overviews) goes up in several parts.
SIZE = 2048
rng = numpy.random.default_rng(20260429)
pixels = rng.integers(0, 256, size=(3, SIZE, SIZE), dtype=numpy.uint8)
src = gdal.GetDriverByName('MEM').Create('', SIZE, SIZE, 3, gdal.GDT_Byte)
src.SetGeoTransform([500000, 10, 0, 4600000, 0, -10])
srs = osr.SpatialReference()
srs.ImportFromEPSG(32633)
src.SetProjection(srs.ExportToWkt())
for b in range(3):
    src.GetRasterBand(b + 1).WriteArray(pixels[b])
checksums = [src.GetRasterBand(b + 1).Checksum() for b in range(3)]
COG = S3 + '/rasters/noise.cog.tif'


@step('gdal.Translate of an in-memory raster to a COG on /vsis3/ (multipart, 5 MiB parts)')
def _():
    t0 = time.time()
    fmt = 'COG' if gdal.GetDriverByName('COG') else 'GTiff'
    opts = ['COMPRESS=NONE'] + (['BLOCKSIZE=512'] if fmt == 'COG' else ['TILED=YES', 'COPY_SRC_OVERVIEWS=YES'])
    # GTiff writes a TIFF by seeking back (IFD offsets): GDAL stages it in a local temp file and
    # uploads it on close when CPL_VSIL_USE_TEMP_FILE_FOR_RANDOM_WRITE=YES (without it, 'Attempt
    # to create new tiff file ... failed: Permission denied', as on S3).
    gdal.SetConfigOption('CPL_VSIL_USE_TEMP_FILE_FOR_RANDOM_WRITE', 'YES')
    try:
        out = gdal.Translate(COG, src, format=fmt, creationOptions=opts)
        out = None  # noqa: F841 - closing the dataset finishes the upload
    finally:
        gdal.SetConfigOption('CPL_VSIL_USE_TEMP_FILE_FOR_RANDOM_WRITE', None)
    st = gdal.VSIStatL(COG)
    # What gdal_translate -srcwin 0 0 512 512 run by the test must read back.
    win = gdal.Translate('', src, format='MEM', srcWin=[0, 0, 512, 512])
    return {'format': fmt, 'size': st.size, 'seconds': round(time.time() - t0, 2), 'checksums': checksums,
            'window_checksums': [win.GetRasterBand(b + 1).Checksum() for b in range(3)]}


@step('gdal.Open of the COG on /vsis3/: ReadAsArray, Checksum, a window, GetStatistics')
def _():
    ds = gdal.Open(COG)
    same = all(numpy.array_equal(ds.GetRasterBand(b + 1).ReadAsArray(), pixels[b]) for b in range(3))
    window = ds.GetRasterBand(2).ReadAsArray(1000, 1500, 37, 11)
    meta = ds.GetMetadata('IMAGE_STRUCTURE')
    stats = ds.GetRasterBand(1).ComputeStatistics(False)
    return {'same': same, 'window_same': numpy.array_equal(window, pixels[1][1500:1511, 1000:1037]),
            'checksums': [ds.GetRasterBand(b + 1).Checksum() for b in range(3)],
            'size': [ds.RasterXSize, ds.RasterYSize, ds.RasterCount], 'geotransform': list(ds.GetGeoTransform()),
            'epsg': osr.SpatialReference(ds.GetProjection()).GetAuthorityCode(None),
            'overviews': ds.GetRasterBand(1).GetOverviewCount(), 'layout': meta.get('LAYOUT'),
            'mean': round(stats[2], 3), 'src_mean': round(float(pixels[0].mean()), 3)}


# Vector: GeoPackage (SQLite: random writes, staged in a temp file by
# CPL_VSIL_USE_TEMP_FILE_FOR_RANDOM_WRITE=YES) and FlatGeobuf (written sequentially).
FEATURES = [('Zürich', 8.5417, 47.3769, 421000), ('Bern', 7.4474, 46.948, 134000),
            ('Genève', 6.1432, 46.2044, 203000), ('Basel', 7.5886, 47.5596, 173000)]


def write_vector(path, driver, options=None):
    ds = ogr.GetDriverByName(driver).CreateDataSource(path)
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lyr = ds.CreateLayer('cities', wgs84, ogr.wkbPoint, options or [])
    lyr.CreateField(ogr.FieldDefn('name', ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn('pop', ogr.OFTInteger))
    for name, x, y, pop in FEATURES:
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField('name', name)
        f.SetField('pop', pop)
        f.SetGeometry(ogr.CreateGeometryFromWkt('POINT (%r %r)' % (x, y)))
        lyr.CreateFeature(f)
    ds = None  # noqa: F841 - closing writes the file out


def read_vector(path):
    ds = ogr.Open(path)
    lyr = ds.GetLayer(0)
    return [[f.GetField('name'), round(f.GetGeometryRef().GetX(), 4), round(f.GetGeometryRef().GetY(), 4), f.GetField('pop')]
            for f in lyr]


@step('OGR: a GeoPackage written to /vsis3/ through a temp file (random write), read back')
def _():
    path = S3 + '/vectors/cities.gpkg'
    gdal.SetConfigOption('CPL_VSIL_USE_TEMP_FILE_FOR_RANDOM_WRITE', 'YES')
    try:
        write_vector(path, 'GPKG')
    finally:
        gdal.SetConfigOption('CPL_VSIL_USE_TEMP_FILE_FOR_RANDOM_WRITE', None)
    # A bbox filter through the GeoPackage's R-tree, read with ranged GETs as any SQLite page is.
    ds = ogr.Open(path)
    lyr = ds.GetLayer(0)
    lyr.SetSpatialFilterRect(7.0, 46.5, 8.0, 48.0)
    return {'features': read_vector(path), 'bbox': sorted(f.GetField('name') for f in lyr),
            'size': gdal.VSIStatL(path).size}


@step('OGR: a FlatGeobuf written to /vsis3/ (sequential), read back')
def _():
    path = S3 + '/vectors/cities.fgb'
    write_vector(path, 'FlatGeobuf')
    return {'features': read_vector(path), 'size': gdal.VSIStatL(path).size}


BIG = 11 * MiB + 4321
big = pattern(BIG, 'gdal-big')


@step('VSIFOpenL wb of 11 MiB (3 UploadParts), read back whole and by seek + read')
def _():
    path = S3 + '/raw/big.bin'
    put(path, big)
    back = get(path)
    f = gdal.VSIFOpenL(path, 'rb')
    gdal.VSIFSeekL(f, 7 * MiB + 5, 0)
    middle = gdal.VSIFReadL(1, 100000, f)
    gdal.VSIFSeekL(f, BIG - 10, 0)
    tail = gdal.VSIFReadL(1, 100, f)
    gdal.VSIFCloseL(f)
    return {'size': gdal.VSIStatL(path).size, 'same': back == big,
            'middle_same': middle == big[7 * MiB + 5:7 * MiB + 5 + 100000], 'tail': len(tail), 'tail_same': tail == big[-10:]}


@step('/vsis3_streaming/: read the 11 MiB file and the COG sequentially')
def _():
    back = get('/vsis3_streaming/' + B + '/raw/big.bin')
    ds = gdal.Open('/vsis3_streaming/' + B + '/rasters/noise.cog.tif')
    return {'same': back == big, 'checksum': ds.GetRasterBand(3).Checksum()}


@step('directories: Mkdir (marker), VSIStatL, ReadDir (delimiter), Rename (copy + delete), Rmdir, Unlink')
def _():
    d = S3 + '/tree'
    facts = {'mkdir': gdal.Mkdir(d, 0o755)}
    st = gdal.VSIStatL(d)
    facts['dir_is_dir'] = bool(st) and st.IsDirectory()
    facts['empty'] = gdal.ReadDir(d)
    put(d + '/a.txt', b'alpha\n')
    put(d + '/sub dir/b é.txt', b'beta\n')
    put(d + '/c.txt', b'')
    facts['listing'] = sorted(gdal.ReadDir(d))
    facts['recursive'] = sorted(gdal.ReadDirRecursive(d))
    facts['top'] = sorted(gdal.ReadDir(S3))
    st = gdal.VSIStatL(d + '/a.txt')
    facts['a_size'] = st.size
    facts['a_is_dir'] = st.IsDirectory()
    facts['a_mtime_age'] = int(time.time() - st.mtime)
    facts['sub_is_dir'] = gdal.VSIStatL(d + '/sub dir').IsDirectory()
    facts['rename'] = gdal.Rename(d + '/a.txt', d + '/sub dir/a-renamed.txt')
    facts['renamed'] = get(d + '/sub dir/a-renamed.txt').decode()
    facts['old_gone'] = gdal.VSIStatL(d + '/a.txt') is None
    facts['rename_utf8'] = gdal.Rename(d + '/sub dir/b é.txt', d + '/sub dir/b é+moved.txt')
    facts['renamed_utf8'] = get(d + '/sub dir/b é+moved.txt').decode()
    facts['rmdir_full'] = failure(lambda: gdal.Rmdir(d + '/sub dir'))
    facts['unlink'] = gdal.Unlink(d + '/c.txt')
    facts['c_gone'] = gdal.VSIStatL(d + '/c.txt') is None
    facts['unlink_missing'] = failure(lambda: gdal.Unlink(d + '/never.txt'))
    facts['rmtree'] = gdal.RmdirRecursive(d + '/sub dir')
    facts['after'] = gdal.ReadDir(d)
    facts['rmdir'] = gdal.Rmdir(d)
    # GDAL keeps what it knew of 'tree' (a directory) in its own cache after Rmdir deleted the
    # marker (no request is sent for this stat); once that cache is dropped, it asks again.
    facts['dir_cached'] = gdal.VSIStatL(d) is not None
    gdal.VSICurlPartialClearCache(d)
    facts['dir_gone'] = gdal.VSIStatL(d) is None
    return facts


@step('errors: a missing key (Open, VSIFOpenL, VSIStatL), a missing bucket, a wrong secret')
def _():
    t0 = time.time()
    facts = {'open': failure(lambda: gdal.Open(S3 + '/missing.tif')),
             'fopen': gdal.VSIFOpenL(S3 + '/missing.bin', 'rb') is None,
             'stat': gdal.VSIStatL(S3 + '/missing.bin') is None,
             'streaming': failure(lambda: gdal.Open('/vsis3_streaming/' + B + '/missing.tif')),
             'bucket': failure(lambda: gdal.Open('/vsis3/no-such-bucket-gdal/x.tif'))}
    gdal.SetPathSpecificOption('/vsis3/' + B + '/raw/', 'AWS_SECRET_ACCESS_KEY', 'wrong' * 8)
    try:
        facts['wrong_secret'] = failure(lambda: get(S3 + '/raw/big.bin'))
        facts['wrong_secret_write'] = failure(lambda: put(S3 + '/raw/denied.bin', b'x'))
    finally:
        gdal.ClearPathSpecificOptions('/vsis3/' + B + '/raw/')
    facts['seconds'] = round(time.time() - t0, 2)
    return facts
