# Debian 12's own Python S3 stack against a gateway: python3-boto3 1.26 (botocore 1.29,
# s3transfer 0.6), python3-smart-open 5.2 and python3-django-storages 1.13 (S3Boto3Storage).
# Run by test/clients/debian-python.test.ts with Debian's /usr/bin/python3 (pyenv's python, with
# boto3 1.43, does not see dist-packages): `python3 debian_python_flow.py params.json`.
# params: endpoint, access_key, secret_key, bucket, media_bucket, workdir, big (a file in workdir).
# Prints one JSON line per step: {"step": name, "ok": true, facts...} or
# {"step": name, "ok": false, "error": ..., "trace": ...}; the test asserts the facts. A failed
# step does not stop the later ones.
import hashlib
import json
import os
import sys

import boto3
import botocore
import s3transfer
import smart_open
from botocore.config import Config
from botocore.exceptions import ClientError
from flowlib import fetch, MiB, pattern, sha256_file, step

p = json.load(open(sys.argv[1]))
B, MEDIA, WORK = p['bucket'], p['media_bucket'], p['workdir']


def error_of(fn):
    try:
        fn()
    except ClientError as e:
        return {'status': e.response['ResponseMetadata']['HTTPStatusCode'], 'code': e.response['Error']['Code']}
    return None


# As a server's application builds its client: the package defaults (no TransferConfig), path
# style for an endpoint on an IP address.
s3 = boto3.client('s3', endpoint_url=p['endpoint'], region_name='us-east-1',
                  aws_access_key_id=p['access_key'], aws_secret_access_key=p['secret_key'],
                  config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))


@step('versions')
def _():
    import django
    import storages
    from botocore.compat import HAS_CRT
    return {'crt': HAS_CRT, 'boto3': boto3.__version__, 'botocore': botocore.__version__, 's3transfer': s3transfer.__version__,
            'smart_open': smart_open.__version__, 'storages': storages.__version__, 'django': django.__version__}


@step('create_bucket x2, again (BucketAlreadyOwnedByYou)')
def _():
    s3.create_bucket(Bucket=B)
    s3.create_bucket(Bucket=MEDIA)
    return {'again': error_of(lambda: s3.create_bucket(Bucket=B))}


@step('upload_file over the default 8 MiB multipart threshold, download_file (default TransferConfig)')
def _():
    src = os.path.join(WORK, p['big'])
    s3.upload_file(src, B, 'big.bin')
    head = s3.head_object(Bucket=B, Key='big.bin')
    out = os.path.join(WORK, 'big.out')
    s3.download_file(B, 'big.bin', out)
    return {'etag': head['ETag'], 'size': head['ContentLength'], 'sha256': sha256_file(out)}


@step('upload_file and download_file of a small file (one PutObject, one GetObject)')
def _():
    body = pattern(3000, 'small')
    src = os.path.join(WORK, 'small.txt')
    with open(src, 'wb') as f:
        f.write(body)
    s3.upload_file(src, B, 'dir/small \u00e9.txt', ExtraArgs={'Metadata': {'color': 'blue'}, 'ContentType': 'text/x-small'})
    out = os.path.join(WORK, 'small.out')
    s3.download_file(B, 'dir/small \u00e9.txt', out)
    head = s3.head_object(Bucket=B, Key='dir/small \u00e9.txt')
    with open(out, 'rb') as f:
        back = f.read()
    return {'same': back == body, 'etag': head['ETag'], 'md5': hashlib.md5(body).hexdigest(),
            'meta': head['Metadata'], 'type': head['ContentType'],
            'missing': error_of(lambda: s3.get_object(Bucket=B, Key='nope'))}


@step('list_objects_v2: paginator PageSize 10 over 25 keys, ContinuationToken by hand, delimiter')
def _():
    for i in range(25):
        s3.put_object(Bucket=B, Key='page/%03d' % i, Body=b'%d' % i)
    pages, keys = 0, []
    for page in s3.get_paginator('list_objects_v2').paginate(Bucket=B, Prefix='page/', PaginationConfig={'PageSize': 10}):
        pages += 1
        keys += [o['Key'] for o in page.get('Contents', [])]
    by_hand, token, truncated = [], None, []
    while True:
        kw = {'ContinuationToken': token} if token else {}
        r = s3.list_objects_v2(Bucket=B, Prefix='page/', MaxKeys=7, **kw)
        by_hand += [o['Key'] for o in r.get('Contents', [])]
        truncated.append(r['IsTruncated'])
        if not r['IsTruncated']:
            break
        token = r['NextContinuationToken']
    top = s3.list_objects_v2(Bucket=B, Delimiter='/')
    return {'pages': pages, 'keys': keys, 'by_hand': by_hand, 'truncated': truncated,
            'prefixes': [c['Prefix'] for c in top.get('CommonPrefixes', [])],
            'top_keys': [o['Key'] for o in top.get('Contents', [])]}


@step('delete_objects of three keys (one missing), Quiet and not')
def _():
    r = s3.delete_objects(Bucket=B, Delete={'Objects': [{'Key': 'page/000'}, {'Key': 'page/001'}, {'Key': 'never-there'}]})
    q = s3.delete_objects(Bucket=B, Delete={'Objects': [{'Key': 'page/002'}], 'Quiet': True})
    left = [o['Key'] for o in s3.list_objects_v2(Bucket=B, Prefix='page/00').get('Contents', [])]
    return {'deleted': sorted(d['Key'] for d in r.get('Deleted', [])), 'errors': r.get('Errors', []),
            'quiet_deleted': q.get('Deleted', []), 'left': left}


@step('generate_presigned_url GET (default and s3v4), fetched with urllib; expired')
def _():
    s3v4 = boto3.client('s3', endpoint_url=p['endpoint'], region_name='us-east-1',
                        aws_access_key_id=p['access_key'], aws_secret_access_key=p['secret_key'],
                        config=Config(s3={'addressing_style': 'path'}, signature_version='s3v4'))
    facts = {}
    for name, c in (('default', s3), ('v4', s3v4)):
        u = c.generate_presigned_url('get_object', Params={'Bucket': B, 'Key': 'dir/small \u00e9.txt'}, ExpiresIn=300)
        status, body = fetch(u)
        facts[name] = {'url': u, 'status': status, 'same': body == pattern(3000, 'small')}
    # SigV2 query auth: awscrt's SigV4 presigner (which botocore uses when python3-awscrt is
    # installed) refuses an expiry that is not positive.
    old = s3.generate_presigned_url('get_object', Params={'Bucket': B, 'Key': 'big.bin'}, ExpiresIn=-10)
    status, body = fetch(old)
    facts['expired'] = {'status': status, 'access_denied': b'<Code>AccessDenied</Code>' in body}
    return facts


@step('smart_open: write a 12 MiB stream in 1 MiB writes (min_part_size 5 MiB: multipart), read back')
def _():
    body = pattern(12 * MiB + 4321, 'smart')
    tp = {'client': s3, 'min_part_size': 5 * MiB}
    with smart_open.open('s3://%s/smart/stream.bin' % B, 'wb', transport_params=tp) as f:
        for i in range(0, len(body), MiB):
            f.write(body[i:i + MiB])
    head = s3.head_object(Bucket=B, Key='smart/stream.bin')
    with smart_open.open('s3://%s/smart/stream.bin' % B, 'rb', transport_params={'client': s3}) as f:
        whole = f.read()
    return {'etag': head['ETag'], 'size': head['ContentLength'], 'same': whole == body}


@step('smart_open: seek and partial reads (from the start, the middle, relative, from the end)')
def _():
    body = pattern(12 * MiB + 4321, 'smart')
    out = {}
    with smart_open.open('s3://%s/smart/stream.bin' % B, 'rb', transport_params={'client': s3}) as f:
        out['first'] = f.read(100) == body[:100]
        f.seek(5 * MiB + 17)
        out['middle'] = f.read(1000) == body[5 * MiB + 17:5 * MiB + 1017]
        f.seek(3000, 1)  # relative to the current position
        pos = f.tell()
        out['relative'] = pos == 5 * MiB + 4017 and f.read(50) == body[pos:pos + 50]
        f.seek(-1000, 2)
        out['tail'] = f.read() == body[-1000:]
        out['eof'] = f.read(10) == b''
        f.seek(0)
        out['again'] = f.read(10) == body[:10]
    # A text-mode line read through the same reader.
    s3.put_object(Bucket=B, Key='smart/lines.txt', Body='one\nzw\u00f6lf\nthree\n'.encode())
    with smart_open.open('s3://%s/smart/lines.txt' % B, 'r', encoding='utf-8', transport_params={'client': s3}) as f:
        out['lines'] = [line.rstrip('\n') for line in f]
    return out


@step('django-storages S3Boto3Storage: save, exists, size, open, url, listdir, modified time, delete')
def _():
    from django.conf import settings
    settings.configure(
        USE_TZ=True,
        AWS_ACCESS_KEY_ID=p['access_key'], AWS_SECRET_ACCESS_KEY=p['secret_key'],
        AWS_STORAGE_BUCKET_NAME=MEDIA, AWS_S3_ENDPOINT_URL=p['endpoint'], AWS_S3_REGION_NAME='us-east-1',
        AWS_S3_ADDRESSING_STYLE='path', AWS_S3_SIGNATURE_VERSION='s3v4', AWS_LOCATION='media',
        AWS_S3_FILE_OVERWRITE=False, AWS_S3_OBJECT_PARAMETERS={'CacheControl': 'max-age=86400'},
    )
    import django
    django.setup()
    from django.core.files.base import ContentFile
    from storages.backends.s3boto3 import S3Boto3Storage

    st = S3Boto3Storage()
    body = pattern(2500, 'django')
    name = st.save('avatars/photo \u00fc.txt', ContentFile(body))
    second = st.save('avatars/photo \u00fc.txt', ContentFile(b'other'))  # not overwritten: a new name
    st.save('avatars/thumbs/a.txt', ContentFile(b'thumb'))
    exists = st.exists(name)
    size = st.size(name)
    with st.open(name, 'rb') as f:
        back = f.read()
    u = st.url(name)
    status, fetched = fetch(u)
    dirs, files = st.listdir('avatars')
    modified = st.get_modified_time(name)
    head = s3.head_object(Bucket=MEDIA, Key='media/' + name)
    missing_open = None
    try:
        st.open('avatars/none.txt')
    except FileNotFoundError as e:
        missing_open = type(e).__name__
    st.delete(name)
    st.delete('avatars/never-there.txt')  # not an error
    return {'name': name, 'second_differs': second != name and second.startswith('avatars/photo \u00fc_'),
            'exists': exists, 'size': size, 'same': back == body, 'url': u, 'url_status': status,
            'url_same': fetched == body, 'dirs': dirs, 'files': sorted(files), 'aware': modified.tzinfo is not None,
            'type': head['ContentType'], 'cache': head.get('CacheControl'), 'missing_open': missing_open,
            'gone': not st.exists(name), 'after': sorted(st.listdir('avatars')[1])}


@step('django-storages S3Boto3Storage: open(name, "wb") writes 6 MiB in 1 MiB writes (multipart, 5 MiB buffer), read back')
def _():
    from storages.backends.s3boto3 import S3Boto3Storage
    st = S3Boto3Storage()
    body = pattern(6 * MiB + 99, 'django-big')
    with st.open('uploads/big.bin', 'wb') as f:
        for i in range(0, len(body), MiB):
            f.write(body[i:i + MiB])
    head = s3.head_object(Bucket=MEDIA, Key='media/uploads/big.bin')
    with st.open('uploads/big.bin', 'rb') as f:
        back = f.read()
    return {'etag': head['ETag'], 'size': st.size('uploads/big.bin'), 'same': back == body}
